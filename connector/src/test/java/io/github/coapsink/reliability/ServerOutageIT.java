package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CoAP server goes away mid-stream for longer than one retry interval and comes back on the
 * same port: plain CoAP under RETRY and THROW, and DTLS (PSK) under RETRY, where the restarted
 * server has lost the session and the sink must handshake again.
 */
@Tag("reliability")
class ServerOutageIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger IDS = new AtomicInteger();

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    private CoapTestServer server;
    private Receipts receipts;
    private String name;
    private String topic;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-outage", Map.of());

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    @BeforeEach
    void setUp() {
        int id = IDS.incrementAndGet();
        name = "coap-outage-" + id;
        topic = "outage_" + id;
        kafka.createTopic(topic, 1);
    }

    private void startServer(CoapTestServer.Builder builder) {
        server = builder.start();
        // Slow enough that the stream is still going when the server stops.
        server.responseDelay(Duration.ofMillis(5));
        receipts = Receipts.on(server);
    }

    private void startPlainServer() {
        startServer(CoapTestServer.builder().host("127.0.0.1").port(0));
    }

    @AfterEach
    void tearDown() {
        try {
            if (connect.connectors().contains(name)) {
                connect.deleteConnector(name);
                connect.awaitConnectorGone(name, WAIT);
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private Map<String, String> config(String policy) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("connect.coap.uri", server.plainUri());
        c.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.error.policy", policy);
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.retry.backoff.max.ms", "1000");
        c.put("connect.coap.max.retries", "1000");
        c.put("connect.coap.request.timeout.ms", "1000");
        c.put("connect.coap.ack.timeout.ms", "200");
        return c;
    }

    private long committed() {
        return kafka.committedOffsets(ConnectRestClient.sinkGroupId(name)).getOrDefault(new TopicPartition(topic, 0), 0L);
    }

    @Test
    void retryPolicyRidesOutAnOutageLongerThanTheRetryInterval() {
        startPlainServer();
        outageUnderRetry(config("RETRY"), "plain server down > 1 retry interval, RETRY", "other resources go on");
    }

    @Test
    void dtlsPskOutageUnderRetryLosesNothingAndTheSinkHandshakesAgain() {
        startServer(CoapTestServer.builder().host("127.0.0.1").port(-1).dtlsPort(0)
                .psk("sink-outage", "psk-secret-outage"));
        Map<String, String> c = config("RETRY");
        c.put("connect.coap.uri", server.dtlsUri());
        c.put("connect.coap.username", "sink-outage");
        c.put("connect.coap.password", "psk-secret-outage");
        c.put("connect.coap.request.timeout.ms", "2000");
        outageUnderRetry(c, "DTLS (PSK) server down > 1 retry interval, RETRY", "other resources go on");
        assertThat(server.requests()).allSatisfy(r -> {
            assertThat(r.secure()).isTrue();
            assertThat(r.peerIdentity()).isEqualTo("sink-outage");
        });
    }

    private void outageUnderRetry(Map<String, String> config, String fault, String retryLog) {
        int n = 1_000;
        connect.createOrUpdateConnector(name, config);
        connect.awaitConnectorRunning(name, 1, WAIT);
        long t0 = System.nanoTime();
        Records.produce(kafka, topic, 0, n / 2);
        await().atMost(WAIT).until(() -> receipts.distinct() >= 100);
        try (LogCapture logs = LogCapture.start()) {
            server.stop();
            long stoppedAt = System.nanoTime();
            Records.produce(kafka, topic, n / 2, n);
            // At least two back-offs of 500 ms: the outage outlasts one retry interval.
            await().atMost(WAIT).until(() -> logs.count(retryLog) >= 2);
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
            long committedDuringOutage = committed();
            int arrived = receipts.distinct();
            assertThat(committedDuringOutage).as("never commits past what the server acknowledged").isLessThanOrEqualTo(arrived);
            server.start();
            System.out.printf("RELIABILITY | %s: down %.1f s, %d arrived before, committed %d%n",
                    fault, (System.nanoTime() - stoppedAt) / 1e9, arrived, committedDuringOutage);
        }
        await().atMost(WAIT).until(() -> receipts.distinct() >= n);
        Receipts.Tally tally = receipts.tally(fault, n,
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(tally.lost()).isZero();
        await().atMost(WAIT).until(() -> committed() == n);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void throwPolicyFailsTheTaskNamingTheRecordAndResumesFromTheLastDeliveredOffsetAfterRestart() {
        startPlainServer();
        int n = 1_000;
        connect.createOrUpdateConnector(name, config("THROW"));
        connect.awaitConnectorRunning(name, 1, WAIT);
        long t0 = System.nanoTime();
        Records.produce(kafka, topic, 0, n);
        // Long enough into the stream that Connect committed offsets (every 500 ms) before the outage.
        await().atMost(WAIT).until(() -> receipts.distinct() >= 400 && committed() > 0);
        server.stop();

        ConnectRestClient.TaskStatus failed = connect.awaitTaskFailed(name, 0, WAIT);
        int arrivedBeforeFailure = receipts.distinct();
        assertThat(arrivedBeforeFailure).isLessThan(n);
        assertThat(failed.trace())
                .contains("Could not deliver record " + topic + "-0@")
                .contains("timed out after 1000 ms")
                .contains("error policy THROW")
                .contains("connect.coap.error.policy=RETRY");
        // Connect may commit once more while closing the failed task: the bound must hold throughout.
        await().atMost(WAIT).during(Duration.ofSeconds(2)).until(() -> committed() <= arrivedBeforeFailure);
        long committedAtFailure = committed();
        System.out.printf("RELIABILITY | THROW: task failed after %d records arrived; committed offset %d; trace: %s%n",
                arrivedBeforeFailure, committedAtFailure, failed.trace().lines().findFirst().orElse(""));
        assertThat(committedAtFailure).as("committed offset <= records the server acknowledged")
                .isLessThanOrEqualTo(arrivedBeforeFailure);
        // Records are produced in id order to one partition: offset k carries id k, and ids below the
        // committed offset all arrived.
        for (int id = 0; id < committedAtFailure; id++) {
            assertThat(receipts.has(id)).as("id %d below the committed offset arrived", id).isTrue();
        }

        server.start();
        long acceptedBeforeRestart = receipts.accepted();
        connect.restartConnector(name, true);
        connect.awaitConnectorRunning(name, 1, WAIT);
        await().atMost(WAIT).until(() -> receipts.distinct() >= n);
        Receipts.Tally tally = receipts.tally("plain server down, THROW, then restartConnector(includeTasks)", n,
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(tally.lost()).isZero();
        // What was resent after the restart is exactly what lay between the committed offset and the end.
        assertThat(receipts.accepted() - acceptedBeforeRestart).isEqualTo(n - committedAtFailure);
        await().atMost(WAIT).until(() -> committed() == n);
    }
}
