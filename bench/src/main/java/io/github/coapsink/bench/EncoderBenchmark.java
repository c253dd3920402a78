package io.github.coapsink.bench;

import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Projection;
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
 * Encoder throughput on one core: the seed's {@code User} {@link Struct} to compact JSON bytes with
 * {@code SELECT *} ({@link Projection#all()}), exactly the call the sink makes per record. One thread, so ops/s is
 * records/s per core. Defaults are short (bench/run.sh --jmh: 2 forks x 3 x 2 s); pass JMH options to change them.
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

    private final RecordEncoder encoder = new RecordEncoder(PlainStringPolicy.FAIL);
    private final Projection all = Projection.all();
    private Struct[] users;
    private int next;

    @Setup
    public void setUp() {
        users = new Struct[DISTINCT];
        for (int i = 0; i < DISTINCT; i++) {
            users[i] = Users.struct(4830 + i);
        }
    }

    @Benchmark
    public byte[] encodeUserStruct() {
        Struct u = users[next++ & (DISTINCT - 1)];
        return encoder.encode(Users.SCHEMA, u, all);
    }
}
