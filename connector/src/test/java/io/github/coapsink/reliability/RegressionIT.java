package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
}
