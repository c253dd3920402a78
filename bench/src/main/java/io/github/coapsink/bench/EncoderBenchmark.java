package io.github.coapsink.bench;

import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.Route;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Struct;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoder throughput on one core: the seed's {@code User} {@link Struct} to a payload with {@code SELECT *}
 * ({@link Projection#all()}), exactly the call the sink makes per record: compact JSON ({@code encodeUserStruct},
 * the issue-5 figure), and through {@link PayloadEncoder} JSON, CBOR, SenML-CBOR and SenML-JSON. One thread, so
 * ops/s is records/s per core. The payload size of each format is printed once at setup ("bytes per record").
 * Defaults are short (bench/run.sh --jmh: 2 forks x 3 x 2 s); pass JMH options to change them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class EncoderBenchmark {
    private static final int DISTINCT = 1024;
    private static final long TIMESTAMP = 1_700_000_000_123L;

    private final RecordEncoder encoder = new RecordEncoder(PlainStringPolicy.FAIL);
    private final PayloadEncoder payloads = new PayloadEncoder(PlainStringPolicy.FAIL, PayloadFormat.JSON, 42,
            PayloadEncoder.SenmlSettings.defaults());
    private final Route route = new Route("users", "users", Projection.all());
    private final Projection all = Projection.all();
    private Struct[] users;
    private int next;

    @Setup
    public void setUp() {
        users = new Struct[DISTINCT];
        for (int i = 0; i < DISTINCT; i++) {
            users[i] = Users.struct(4830 + i);
        }
        StringBuilder sizes = new StringBuilder("bytes per record:");
        for (PayloadFormat f : new PayloadFormat[] {PayloadFormat.JSON, PayloadFormat.CBOR, PayloadFormat.SENML_JSON,
                PayloadFormat.SENML_CBOR}) {
            sizes.append(String.format(Locale.ROOT, " %s %d", f,
                    payloads.encode(f, Users.SCHEMA, users[0], TIMESTAMP, route).length));
        }
        System.out.println(sizes);
    }

    @Benchmark
    public byte[] encodeUserStruct() {
        Struct u = users[next++ & (DISTINCT - 1)];
        return encoder.encode(Users.SCHEMA, u, all);
    }

    @Benchmark
    public byte[] json() {
        return payloads.encode(PayloadFormat.JSON, Users.SCHEMA, users[next++ & (DISTINCT - 1)], TIMESTAMP, route);
    }

    @Benchmark
    public byte[] cbor() {
        return payloads.encode(PayloadFormat.CBOR, Users.SCHEMA, users[next++ & (DISTINCT - 1)], TIMESTAMP, route);
    }

    @Benchmark
    public byte[] senmlCbor() {
        return payloads.encode(PayloadFormat.SENML_CBOR, Users.SCHEMA, users[next++ & (DISTINCT - 1)], TIMESTAMP, route);
    }

    @Benchmark
    public byte[] senmlJson() {
        return payloads.encode(PayloadFormat.SENML_JSON, Users.SCHEMA, users[next++ & (DISTINCT - 1)], TIMESTAMP, route);
    }
}
