package io.github.coapsink.bench;

import io.github.coapsink.address.Resolution;
import io.github.coapsink.address.ResourceTemplate;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
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
 * Resource-template resolution on one core: {@link ResourceTemplate#resolve} per record, exactly the call the sink
 * makes before encoding. One thread, so ops/s is resolves/s per core. Run it with
 * {@code java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" org.openjdk.jmh.Main TemplateBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class TemplateBenchmark {
    private static final int DISTINCT = 1024;
    private static final Schema SITE = SchemaBuilder.struct().name("Site")
            .field("id", Schema.STRING_SCHEMA).field("floor", Schema.INT32_SCHEMA).build();
    private static final Schema READING = SchemaBuilder.struct().name("Reading")
            .field("site", SITE).field("room", Schema.INT32_SCHEMA)
            .field("temperature", Schema.FLOAT64_SCHEMA).field("unit", Schema.STRING_SCHEMA).build();

    private final ResourceTemplate literal = ResourceTemplate.parse("devices/all/state");
    private final ResourceTemplate key = ResourceTemplate.parse("devices/{{key}}/state");
    private final ResourceTemplate value = ResourceTemplate.parse("site/{{value.site.id}}/room-{{value.room}}");
    private SinkRecord[] structRecords;
    private SinkRecord[] jsonRecords;
    private int next;

    @Setup
    public void setUp() {
        structRecords = new SinkRecord[DISTINCT];
        jsonRecords = new SinkRecord[DISTINCT];
        for (int i = 0; i < DISTINCT; i++) {
            String device = "dev-" + (4830 + i);
            String site = "site-" + (i % 17);
            Struct struct = new Struct(READING)
                    .put("site", new Struct(SITE).put("id", site).put("floor", i % 5))
                    .put("room", i % 40).put("temperature", 20.5 + i % 7).put("unit", "C");
            String json = "{\"site\":{\"id\":\"" + site + "\",\"floor\":" + (i % 5) + "},\"room\":" + (i % 40)
                    + ",\"temperature\":" + (20.5 + i % 7) + ",\"unit\":\"C\"}";
            structRecords[i] = new SinkRecord("readings", 0, Schema.STRING_SCHEMA, device, READING, struct, i);
            jsonRecords[i] = new SinkRecord("readings", 0, Schema.STRING_SCHEMA, device, Schema.STRING_SCHEMA, json, i);
        }
    }

    private SinkRecord structRecord() {
        return structRecords[next++ & (DISTINCT - 1)];
    }

    @Benchmark
    public Resolution literal() {
        return literal.resolve(structRecord());
    }

    @Benchmark
    public Resolution keySegment() {
        return key.resolve(structRecord());
    }

    @Benchmark
    public Resolution valueFieldsOfAStruct() {
        return value.resolve(structRecord());
    }

    @Benchmark
    public Resolution valueFieldsOfAJsonString() {
        return value.resolve(jsonRecords[next++ & (DISTINCT - 1)]);
    }
}
