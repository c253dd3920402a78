package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for the product bugs the reliability work found (docs/reliability.md, "Bugs found
 * and fixed"): each failed before its fix.
 */
@Tag("reliability")
class RegressionIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-regression", Map.of("connector.client.config.override.policy", "All"));

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    private static Map<String, String> config(String topic, String uri) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("connect.coap.uri", uri);
        c.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.retry.backoff.max.ms", "2000");
        return c;
    }

    /**
     * Bug 1 (fixed): put() kept the task thread while the window was full, for up to
     * 2 x request.timeout.ms + 10 s per batch (the "blocked since" clock is not reset when records
     * move). Meanwhile the consumer is not polled: with max.poll.interval.ms below that, the consumer
     * leaves the group (rebalance, records consumed again).
     */
    @Test
    void aFullWindowDoesNotHoldPutPastMaxPollInterval() {
        String topic = "bug_poll";
        String name = "coap-bug-poll";
        kafka.createTopic(topic, 1);
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
             LogCapture logs = LogCapture.start()) {
            server.responseDelay(Duration.ofSeconds(2));
            Receipts receipts = Receipts.on(server);
            Map<String, String> c = config(topic, server.plainUri());
            c.put("connect.coap.max.in.flight", "8");
            c.put("connect.coap.ordering", "NONE");
            c.put("connect.coap.request.timeout.ms", "10000");
            c.put("consumer.override.max.poll.interval.ms", "20000");
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 1, WAIT);
            Records.produce(kafka, topic, 0, 400);
            // 4 records/s: 100 records take about 25 s, longer than max.poll.interval.ms.
            await().atMost(WAIT).until(() -> receipts.distinct() >= 100);
            System.out.printf("RELIABILITY | regression 1 (full window): %d 'poll timeout has expired' warnings, %d 'window ... "
                    + "stayed full' back-offs%n", logs.count("poll timeout has expired"), logs.count("stayed full"));
            assertThat(logs.count("poll timeout has expired")).as("the consumer left the group").isZero();
        } finally {
            connect.deleteConnector(name);
            connect.awaitConnectorGone(name, WAIT);
        }
    }

    /**
     * Bug 2 (fixed): for the same reason, offset commits time out while put() waits for room (their
     * callbacks run only in poll()), and a task asked to stop with a full window does not stop
     * within task.shutdown.graceful.timeout.ms: Connect cancels it without the final commit, so
     * everything delivered since the last commit before put() started is delivered again by the
     * next owner (compare the duplicates after the graceful worker stop in DistributedFailoverIT).
     */
    @Test
    void aTaskWithAFullWindowStopsGracefullyAndCommitsWhatWasDelivered() {
        String topic = "bug_stop";
        String name = "coap-bug-stop";
        kafka.createTopic(topic, 1);
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
             LogCapture logs = LogCapture.start()) {
            server.responseDelay(Duration.ofMillis(50));
            Receipts receipts = Receipts.on(server);
            // The backlog is there before the task starts: put() gets a batch of 500 records, which a
            // window of 8 at about 20 records/s holds for (up to 2 x request.timeout.ms + 10 s =) 70 s.
            Records.produce(kafka, topic, 0, 2_000);
            Map<String, String> c = config(topic, server.plainUri());
            c.put("connect.coap.max.in.flight", "8");
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 1, WAIT);
            await().atMost(WAIT).until(() -> receipts.distinct() >= 150);
            connect.stopConnector(name);
            connect.awaitConnectorState(name, "STOPPED", WAIT);
            int delivered = receipts.distinct();
            long committed = kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                    .getOrDefault(new TopicPartition(topic, 0), 0L);
            System.out.printf("RELIABILITY | regression 2 (stop with a full window): stopped with %d delivered, %d committed; %d commit "
                    + "time-outs, %d failed graceful stops%n", delivered, committed,
                    logs.count("Commit of offsets timed out"), logs.count("Graceful stop of task"));
            assertThat(logs.count("Graceful stop of task")).as("graceful stop failed").isZero();
            assertThat(logs.count("Commit of offsets timed out")).isZero();
            assertThat(committed).as("the final commit covers what was delivered").isGreaterThanOrEqualTo(delivered - 1);
        } finally {
            connect.deleteConnector(name);
            connect.awaitConnectorGone(name, WAIT);
        }
    }

    /**
     * Bug 3 (fixed): a URI with user info (coaps://identity:secret@host) is rejected, but the error message
     * (ConfigException, REST /validate, task trace) repeats the whole value, secret included.
     */
    @Test
    void aUriWithUserInfoIsRejectedWithoutRepeatingTheSecret() {
        String secret = "uri-SECRET-5e1d";
        Map<String, String> props = Map.of("connect.coap.uri", "coaps://sink:" + secret + "@127.0.0.1:5684",
                "connect.coap.kcql", "INSERT INTO r SELECT * FROM t");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("user info")
                .satisfies(e -> System.out.println("RELIABILITY | regression 3 (URI user info): " + e.getMessage()))
                .hasMessageNotContaining(secret);
        Map<String, String> rest = new HashMap<>(props);
        rest.put("topics", "t");
        assertThat(connect.validate("CoapSinkConnector", rest).errors().toString()).doesNotContain(secret);
    }

    /**
     * Issue 9.3 (fixed): with Connect's error logging on ({@code errors.log.enable=true}, tolerance left at
     * {@code none}, no dead-letter queue) Connect offers an errant record reporter that fails the task on every
     * report, so one bad record under NOOP failed the task ("Tolerance exceeded") and nothing was committed.
     * Against libcoap: the 20 good records arrive, the bad one is skipped, all 21 are committed.
     */
    @Test
    void noopWithConnectsErrorLoggingSkipsABadRecordAgainstLibcoap(@TempDir Path dir) {
        String topic = "bug_noop_log";
        String name = "coap-bug-noop-log";
        kafka.createTopic(topic, 1);
        try (LibcoapServer server = LibcoapServer.start(dir)) {
            Map<String, String> c = config(topic, server.uri());
            c.put("connect.coap.error.policy", "NOOP");
            c.put("errors.log.enable", "true");
            c.put("errors.log.include.messages", "true");
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 1, WAIT);
            for (int i = 0; i < 21; i++) {
                kafka.send(topic, null, i == 10 ? "not JSON at all" : "{\"n\":" + i + "}");
            }
            await().atMost(WAIT).until(() -> committed(name, topic) == 21);
            assertThat(server.requests("readings")).extracting(LibcoapServer.Request::text)
                    .hasSize(20).doesNotContain("not JSON at all").startsWith("{\"n\":0}").endsWith("{\"n\":20}");
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
        } finally {
            connect.deleteConnector(name);
            connect.awaitConnectorGone(name, WAIT);
        }
    }

    /**
     * Issue 9.10 (fixed): an old config with a fixed connect.coap.port and tasks.max=2 made the second task on a
     * worker fail to bind ("Address already in use"); each task now binds its own range. The old connector's
     * default connect.coap.host=localhost is kept here, as the server is on loopback (a remote server would make
     * the sink bind every local address instead: EndpointFactoryTest).
     */
    @Test
    void twoTasksWithAFixedPortOnOneWorkerBothDeliverToLibcoap(@TempDir Path dir) {
        String topic = "bug_fixed_port";
        String name = "coap-bug-fixed-port";
        kafka.createTopic(topic, 2);
        int port = freePortRange(4);
        try (LibcoapServer server = LibcoapServer.start(dir)) {
            Map<String, String> c = config(topic, server.uri());
            c.put("tasks.max", "2");
            c.put("connect.coap.host", "localhost");
            c.put("connect.coap.port", String.valueOf(port));
            c.put("connect.coap.endpoints", "2");
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 2, WAIT);
            for (int i = 0; i < 20; i++) {
                kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, i % 2, null,
                        ("{\"n\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            await().atMost(WAIT).until(() -> committed(name, topic, 0) + committed(name, topic, 1) == 20);
            assertThat(server.requests("readings")).hasSize(20);
            assertThat(connect.connectorStatus(name).tasks()).extracting(t -> t.state()).containsOnly("RUNNING");
        } finally {
            connect.deleteConnector(name);
            connect.awaitConnectorGone(name, WAIT);
        }
    }

    /** Issue 9.13 (fixed): a conflict between two keys was reported under connect.coap.kcql in validate(). */
    @Test
    void validateReportsTheRetriesConflictUnderTheKeyToFix() {
        Map<String, String> props = new HashMap<>(Map.of("connect.coap.uri", "coap://127.0.0.1:5683",
                "connect.coap.kcql", "INSERT INTO r SELECT * FROM t", "topics", "t",
                "connect.coap.max.retires", "3", "connect.coap.max.retries", "5"));
        Map<String, java.util.List<String>> errors = connect.validate("CoapSinkConnector", props).errors();
        assertThat(errors).containsOnlyKeys("connect.coap.max.retires");
        assertThat(errors.get("connect.coap.max.retires").toString()).contains("conflicts with connect.coap.max.retries=5");
    }

    private static long committed(String name, String topic) {
        return committed(name, topic, 0);
    }

    private static long committed(String name, String topic, int partition) {
        return kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                .getOrDefault(new TopicPartition(topic, partition), 0L);
    }

    /** A port p on 127.0.0.1 with p .. p + count - 1 all free (for a fixed connect.coap.port). */
    private static int freePortRange(int count) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int first;
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
                first = s.getLocalPort();
            } catch (java.io.IOException e) {
                continue;
            }
            if (first + count > 65_535) {
                continue;
            }
            boolean free = true;
            for (int p = first; p < first + count && free; p++) {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket(p)) {
                    free = true;
                } catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free UDP ports");
    }
}
