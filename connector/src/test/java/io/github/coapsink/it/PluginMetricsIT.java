package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The task's metrics in Connect's plugin metrics (KIP-877), read over JMX from a running Kafka 4.4 worker
 * (Kafka's own runtime in this JVM, so its JmxReporter registers in the platform MBeanServer).
 */
class PluginMetricsIT {

    private static final Duration WAIT = StandaloneSink.WAIT;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("plugin-metrics");

    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;
    private CoapTestServer server;

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        connect = sink.connect();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    /** Connector names of this test need no JMX quoting (Kafka quotes only names with special characters). */
    private ObjectName connectName(String type, String extra) throws Exception {
        return new ObjectName("kafka.connect:type=" + type + ",connector=" + sink.name()
                + ",task=0" + extra);
    }

    private double attribute(ObjectName name, String attribute) throws Exception {
        return ((Number) jmx.getAttribute(name, attribute)).doubleValue();
    }

    @Test
    void countsPerResponseClassAndRouteShowBesideConnectsTaskMetrics() throws Exception {
        String ok = sink.topic() + "_ok";
        String missing = sink.topic() + "_missing";
        kafka.createTopic(ok, 1);
        kafka.createTopic(missing, 1);
        String dlq = sink.topic() + "_dlq";
        Map<String, String> config = sink.config(server.plainUri(),
                "INSERT INTO ok SELECT * FROM " + ok + "; INSERT INTO missing SELECT * FROM " + missing);
        config.put("topics", ok + "," + missing);
        config.put("connect.coap.error.policy", "RETRY");
        config.put("connect.coap.retry.interval", "100");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", dlq);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        server.respondWith("missing", ResponseCode.NOT_FOUND);
        server.failNext(1, ResponseCode.SERVICE_UNAVAILABLE);
        sink.run(config);

        for (int i = 0; i < 3; i++) {
            kafka.send(ok, null, "{\"seq\":" + i + "}");
        }
        sink.awaitCommitted(ok, 0, 3);
        for (int i = 0; i < 2; i++) {
            kafka.send(missing, null, "{\"seq\":" + i + "}");
        }
        sink.awaitCommitted(missing, 0, 2);

        ObjectName task = connectName("plugins", "");
        ObjectName okRoute = connectName("plugins", ",topic=" + ok);
        ObjectName missingRoute = connectName("plugins", ",topic=" + missing);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(attribute(task, "records-delivered-total")).isEqualTo(3.0);
            assertThat(attribute(task, "records-reported-total")).isEqualTo(2.0);
        });
        assertThat(attribute(task, "requests-2xx-total")).isEqualTo(3.0);
        assertThat(attribute(task, "requests-4xx-total")).isEqualTo(2.0);
        assertThat(attribute(task, "requests-5xx-total")).isEqualTo(1.0);
        assertThat(attribute(task, "records-retried-total")).isEqualTo(1.0);
        assertThat(attribute(task, "requests-timeout-total")).isZero();
        assertThat(attribute(task, "requests-handshake-failure-total")).isZero();
        assertThat(attribute(task, "records-pending")).isZero();
        assertThat(attribute(task, "request-latency-p99-us")).isPositive();

        assertThat(attribute(okRoute, "requests-2xx-total")).isEqualTo(3.0);
        assertThat(attribute(okRoute, "requests-5xx-total")).isEqualTo(1.0);
        assertThat(attribute(okRoute, "requests-4xx-total")).isZero();
        assertThat(attribute(okRoute, "records-delivered-total")).isEqualTo(3.0);
        assertThat(attribute(missingRoute, "requests-4xx-total")).isEqualTo(2.0);
        assertThat(attribute(missingRoute, "requests-2xx-total")).isZero();
        assertThat(attribute(missingRoute, "records-reported-total")).isEqualTo(2.0);

        // Same tags as Connect's own task metrics, which the worker registers beside them.
        assertThat(attribute(connectName("sink-task-metrics", ""), "sink-record-read-total")).isGreaterThanOrEqualTo(5.0);
        // The task's own MBean stays on a 4.x worker too, with the same counts.
        Set<ObjectName> own = jmx.queryNames(new ObjectName("io.github.coapsink:type=CoapSinkTask,connector="
                + ObjectName.quote(sink.name()) + ",*"), null);
        assertThat(own).hasSize(1);
        ObjectName ownName = own.iterator().next();
        assertThat(ownName.getKeyProperty("task")).isEqualTo(ObjectName.quote("0"));
        assertThat(jmx.getAttribute(ownName, "Requests4xx")).isEqualTo(2L);
        assertThat(jmx.getAttribute(ownName, "Requests2xx")).isEqualTo(3L);

        connect.deleteConnector(sink.name());
        connect.awaitConnectorGone(sink.name(), WAIT);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jmx.isRegistered(task)).as("the worker removes the plugin metrics with the task").isFalse();
            assertThat(jmx.isRegistered(okRoute)).isFalse();
            assertThat(jmx.isRegistered(ownName)).isFalse();
        });
    }
}
