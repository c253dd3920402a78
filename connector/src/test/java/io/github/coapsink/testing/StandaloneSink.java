package io.github.coapsink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The end-to-end fixture: one KRaft broker and one standalone Connect worker (Kafka's own runtime)
 * per test class, the connector found through its META-INF/services file; per test a fresh connector
 * name and topic, and the connector deleted afterwards.
 *
 * <pre>{@code @RegisterExtension static final StandaloneSink sink = StandaloneSink.named("coap-sink");}</pre>
 */
public final class StandaloneSink implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    public static final Duration WAIT = Duration.ofSeconds(90);

    private final String prefix;
    private final Map<String, String> workerOverrides;
    private final AtomicInteger ids = new AtomicInteger();
    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;
    private String name;
    private String topic;

    private StandaloneSink(String prefix, Map<String, String> workerOverrides) {
        this.prefix = prefix;
        this.workerOverrides = workerOverrides;
    }

    public static StandaloneSink named(String prefix) {
        return new StandaloneSink(prefix, Map.of());
    }

    public static StandaloneSink named(String prefix, Map<String, String> workerOverrides) {
        return new StandaloneSink(prefix, workerOverrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = EmbeddedKafka.start();
        connect = EmbeddedConnect.standalone(kafka, workerOverrides);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (connect != null) {
            connect.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        int id = ids.incrementAndGet();
        name = prefix + "-" + id;
        topic = prefix.replace('-', '_') + "_" + id;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (connect.connectors().contains(name)) {
            connect.deleteConnector(name);
            connect.awaitConnectorGone(name, WAIT);
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedConnect connect() {
        return connect;
    }

    /** This test's connector name. */
    public String name() {
        return name;
    }

    /** This test's topic name (not created: call {@code kafka().createTopic}). */
    public String topic() {
        return topic;
    }

    /** The sink's configuration for this test's connector and topic, bound to loopback. */
    public Map<String, String> config(String uri, String kcql) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("connect.coap.uri", uri);
        c.put("connect.coap.kcql", kcql);
        c.put("connect.coap.host", "127.0.0.1");
        return c;
    }

    /** Creates (or updates) this test's connector and waits until it and its task run. */
    public void run(Map<String, String> config) {
        connect.createOrUpdateConnector(name, config);
        connect.awaitConnectorRunning(name, Integer.parseInt(config.getOrDefault("tasks.max", "1")), WAIT);
    }

    /** The offset committed by this test's connector for a partition (0 when nothing was committed). */
    public long committed(String topic, int partition) {
        return kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                .getOrDefault(new TopicPartition(topic, partition), 0L);
    }

    public void awaitCommitted(String topic, int partition, long offset) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(committed(topic, partition)).isEqualTo(offset));
    }
}
