package io.github.coapsink.bench;

import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.Route;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;

/**
 * The payload formats' encoders compared by the thread's CPU time, not by wall time: on a shared machine a
 * JMH run's wall-clock ops/s mostly measure the other processes. Rounds interleave the formats (JSON, CBOR,
 * SenML-CBOR, SenML-JSON; each round 200,000 seed {@code User} structs per format after a warm-up) and the median
 * round is reported as records per CPU-second, with the bytes per record. Run: {@code bench/run.sh --encoder-cpu}.
 */
public final class EncoderCpuTime {

    private static final int PER_ROUND = 200_000;
    private static final int ROUNDS = 15;
    private static final int WARMUP_ROUNDS = 5;

    private EncoderCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        PayloadEncoder payloads = new PayloadEncoder(PlainStringPolicy.FAIL, PayloadFormat.JSON, 42,
                PayloadEncoder.SenmlSettings.defaults());
        Route route = new Route("users", "users", Projection.all());
        Struct[] users = new Struct[1024];
        for (int i = 0; i < users.length; i++) {
            users[i] = Users.struct(4830 + i);
        }
        List<PayloadFormat> formats = List.of(PayloadFormat.JSON, PayloadFormat.CBOR, PayloadFormat.SENML_CBOR,
                PayloadFormat.SENML_JSON);
        Map<PayloadFormat, List<Double>> rates = new LinkedHashMap<>();
        Map<PayloadFormat, Long> bytes = new LinkedHashMap<>();
        long sink = 0;
        for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
            for (PayloadFormat f : formats) {
                long total = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < PER_ROUND; i++) {
                    total += payloads.encode(f, Users.SCHEMA, users[i & 1023], 1_700_000_000_123L, route).length;
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                sink += total;
                if (round >= WARMUP_ROUNDS) {
                    rates.computeIfAbsent(f, k -> new ArrayList<>()).add(PER_ROUND / (cpu / 1e9));
                    bytes.put(f, total / PER_ROUND);
                }
            }
        }
        double json = median(rates.get(PayloadFormat.JSON));
        System.out.printf(Locale.ROOT, "encoder CPU time, %d rounds x %,d User structs per format (median round)%n",
                ROUNDS, PER_ROUND);
        System.out.println("| format | records per CPU-second | vs JSON | bytes/record |");
        System.out.println("|---|---:|---:|---:|");
        for (PayloadFormat f : formats) {
            double r = median(rates.get(f));
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f× | %d |%n", f, r, r / json, bytes.get(f));
        }
        if (sink == 42) {
            System.out.println(); // keeps the work observable
        }
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
