package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Datagrams lost in both directions between the sink and the server ({@link LossyUdpRelay}).
 * Confirmable requests must all arrive; a lost ACK makes Californium retransmit (the server's
 * de-duplication absorbs those), and a request whose retransmissions are all lost is sent again
 * under RETRY as a new request: that one is counted as a duplicate if the server had it already.
 * Non-confirmable requests are fire-and-forget: the test measures what they lose.
 */
@Tag("reliability")
class PacketLossIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final AtomicInteger IDS = new AtomicInteger();

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    private CoapTestServer server;
    private LossyUdpRelay relay;
    private String name;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-loss", Map.of());

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    @AfterEach
    void tearDown() {
        try {
            if (name != null && connect.connectors().contains(name)) {
                connect.deleteConnector(name);
                connect.awaitConnectorGone(name, WAIT);
            }
        } finally {
            try {
                if (relay != null) {
                    relay.close();
                }
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    private Receipts startServerBehindRelay(double loss, long seed) {
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
        relay = new LossyUdpRelay(new InetSocketAddress("127.0.0.1", server.plainPort()), loss, seed,
                Duration.ofMinutes(5));
        return Receipts.on(server);
    }

    private Map<String, String> config(String topic, boolean confirmable) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("connect.coap.uri", relay.uri());
        c.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.confirmable", Boolean.toString(confirmable));
        // Quick retransmissions: 200 ms initial ACK timeout, 4 retransmissions (about 9 s at worst).
        c.put("connect.coap.ack.timeout.ms", "200");
        c.put("connect.coap.max.retransmit", "4");
        c.put("connect.coap.request.timeout.ms", "15000");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "200");
        c.put("connect.coap.retry.backoff.max.ms", "1000");
        c.put("connect.coap.max.retries", "100");
        // Loss makes each exchange slow; a wide unordered window keeps the test short.
        c.put("connect.coap.ordering", "NONE");
        c.put("connect.coap.max.in.flight", "128");
        return c;
    }

    private String newConnector(String label) {
        int id = IDS.incrementAndGet();
        name = "coap-loss-" + label + "-" + id;
        return "loss_" + label + "_" + id;
    }

    private void awaitCommitted(String topic, long n) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                .getOrDefault(new TopicPartition(topic, 0), 0L)).isEqualTo(n));
    }

    private void confirmableUnderLoss(double loss, int n, long seed, String congestionControl) {
        String topic = newConnector("con" + (int) (loss * 100));
        kafka.createTopic(topic, 1);
        Receipts receipts = startServerBehindRelay(loss, seed);
        Map<String, String> config = config(topic, true);
        config.put("connect.coap.congestion.control", congestionControl);
        connect.createOrUpdateConnector(name, config);
        connect.awaitConnectorRunning(name, 1, WAIT);
        long t0 = System.nanoTime();
        Records.produce(kafka, topic, 0, n);
        await().atMost(WAIT).until(() -> receipts.distinct() >= n);
        Receipts.Tally tally = receipts.tally(String.format("%d %% datagram loss both ways, CON, RETRY", (int) (loss * 100)),
                n, (System.nanoTime() - t0) / 1_000_000);
        System.out.println("RELIABILITY | relay: " + relay.stats());
        assertThat(tally.lost()).isZero();
        assertThat(relay.dropped()).as("the relay did drop datagrams").isPositive();
        awaitCommitted(topic, n);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void confirmableRequestsAllArriveAtTenPercentLoss() {
        confirmableUnderLoss(0.10, 2_000, 10, "ADAPTIVE");
    }

    @Test
    void confirmableRequestsAllArriveAtThirtyPercentLoss() {
        // Half the exchanges lose a datagram at 30 % each way: the adaptive window reads every retransmission as
        // congestion and stays at 1 or 2 (1,000 records would take minutes). This test is about losing nothing to
        // random loss, which is what FIXED is for.
        confirmableUnderLoss(0.30, 1_000, 30, "FIXED");
    }

    @Test
    void nonConfirmableRequestsAreFireAndForget() {
        int n = 1_000;
        String topic = newConnector("non30");
        kafka.createTopic(topic, 1);
        Receipts receipts = startServerBehindRelay(0.30, 31);
        connect.createOrUpdateConnector(name, config(topic, false));
        connect.awaitConnectorRunning(name, 1, WAIT);
        long t0 = System.nanoTime();
        Records.produce(kafka, topic, 0, n);
        // NON: a record counts as delivered once its datagram is sent, so every offset is committed...
        awaitCommitted(topic, n);
        // ...while what reached the server stops growing short of n.
        AtomicInteger last = new AtomicInteger(-1);
        await().atMost(WAIT).during(Duration.ofSeconds(1)).until(() -> last.getAndSet(receipts.distinct()) == receipts.distinct());
        Receipts.Tally tally = receipts.tally("30 % datagram loss both ways, NON (fire-and-forget)", n,
                (System.nanoTime() - t0) / 1_000_000);
        System.out.println("RELIABILITY | relay: " + relay.stats());
        System.out.printf("RELIABILITY | NON at 30 %% loss: %d of %d arrived (%.1f %% lost), all %d offsets committed%n",
                tally.delivered(), n, 100.0 * tally.lost() / n, n);
        assertThat(tally.lost()).as("NON requests are lost with their datagrams").isPositive();
        assertThat(tally.delivered()).isBetween(n / 2, n - 1);
    }
}
