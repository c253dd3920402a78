package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.delivery.TaskMetrics;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server that takes 2 s to answer each request, then recovers. The window
 * ({@code connect.coap.max.in.flight=8}) bounds what the task holds; the task stays in its
 * consumer group; throughput recovers once the delay is gone.
 */
@Tag("reliability")
class SlowServerIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration DELAY = Duration.ofSeconds(2);
    private static final int WINDOW = 8;
    private static final AtomicInteger IDS = new AtomicInteger();

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    private CoapTestServer server;
    private Receipts receipts;
    private ScheduledExecutorService sampler;
    private String name;
    private String topic;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-slow", Map.of("connector.client.config.override.policy", "All"));

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    @BeforeEach
    void setUp() {
        int id = IDS.incrementAndGet();
        name = "coap-slow-" + id;
        topic = "slow_" + id;
        kafka.createTopic(topic, 1);
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
        receipts = Receipts.on(server);
        sampler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        sampler.shutdownNow();
        try {
            if (connect.connectors().contains(name)) {
                connect.deleteConnector(name);
                connect.awaitConnectorGone(name, WAIT);
            }
        } finally {
            server.close();
        }
    }

    private Map<String, String> config() {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("connect.coap.uri", server.plainUri());
        c.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.max.in.flight", Integer.toString(WINDOW));
        c.put("connect.coap.ordering", "NONE");
        c.put("connect.coap.request.timeout.ms", "10000");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.retry.backoff.max.ms", "2000");
        return c;
    }

    private Object attribute(String attribute) throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName bean = TaskMetrics.objectName(name, "0");
        return mbeans.getAttribute(bean, attribute);
    }

    /** Samples RecordsPending every 20 ms; returns the highest value seen in {@code max}. */
    private AtomicInteger samplePending(AtomicInteger samples) {
        AtomicInteger max = new AtomicInteger();
        sampler.scheduleAtFixedRate(() -> {
            try {
                max.accumulateAndGet((Integer) attribute("RecordsPending"), Math::max);
                samples.incrementAndGet();
            } catch (Exception e) {
                // the task is not registered (yet or any more)
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        return max;
    }

    private void slowServerThenRecovery(Map<String, String> config, int n, int deliveredWhileSlow) {
        server.responseDelay(DELAY);
        try (LogCapture logs = LogCapture.start()) {
            connect.createOrUpdateConnector(name, config);
            connect.awaitConnectorRunning(name, 1, WAIT);
            AtomicInteger samples = new AtomicInteger();
            AtomicInteger maxPending = samplePending(samples);
            long t0 = System.nanoTime();
            Records.produce(kafka, topic, 0, n);

            await().atMost(WAIT).until(() -> receipts.distinct() >= deliveredWhileSlow);
            double slowSeconds = (System.nanoTime() - t0) / 1e9;
            int slowCount = receipts.distinct();
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
            System.out.printf("RELIABILITY | slow server (%d ms per answer, window %d): %d records in %.1f s "
                    + "(%.1f/s), max RecordsPending %d over %d JMX samples%n", DELAY.toMillis(), WINDOW, slowCount,
                    slowSeconds, slowCount / slowSeconds, maxPending.get(), samples.get());

            server.responseDelay(Duration.ZERO);
            long t1 = System.nanoTime();
            await().atMost(WAIT).until(() -> receipts.distinct() >= n);
            double fastSeconds = (System.nanoTime() - t1) / 1e9;
            System.out.printf("RELIABILITY | after the delay was removed: %d records in %.1f s (%.1f/s)%n",
                    n - slowCount, fastSeconds, (n - slowCount) / fastSeconds);
            Receipts.Tally tally = receipts.tally("server answers after 2 s, window 8, then recovers", n,
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(tally.lost()).isZero();
            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(
                    ConnectRestClient.sinkGroupId(name))).containsEntry(new TopicPartition(topic, 0), (long) n));

            assertThat(samples.get()).as("JMX was sampled").isGreaterThan(50);
            assertThat(maxPending.get()).as("RecordsPending never exceeds the window").isBetween(1, WINDOW);
            assertThat(logs.count("poll timeout has expired")).as("the task's consumer never left the group").isZero();
            assertThat(logs.count("LeaveGroup")).isZero();
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
        }
    }

    @Test
    void windowBoundsMemoryAndThroughputRecovers() {
        slowServerThenRecovery(config(), 400, 40);
    }
}
