package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.delivery.CongestionWindow;
import io.github.coapsink.delivery.TaskMetrics;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive congestion window against a server with a bounded queue ({@link CoapTestServer#capacity}): it
 * holds at most {@value #CAPACITY} requests at once for {@value #HOLD_MS} ms each and turns away what comes on
 * top, by dropping it (the sink retransmits) or by answering 5.03 (the sink retries). The window starts at 16,
 * above what the server takes, so the first burst already meets the limit: the window shrinks, nothing is lost,
 * and once the server takes everything again the window grows back to {@code connect.coap.max.in.flight}.
 */
@Tag("reliability")
class CongestionIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int MAX_IN_FLIGHT = 32;
    private static final int CAPACITY = 4;
    private static final long HOLD_MS = 100;
    private static final int OVERLOADED = 200;
    private static final int RECOVERED = 3_000;
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    private CoapTestServer server;
    private Receipts receipts;
    private ScheduledExecutorService sampler;
    private String name;
    private String topic;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-congestion", Map.of());

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    @BeforeEach
    void setUp() {
        int id = IDS.incrementAndGet();
        name = "coap-congestion-" + id;
        topic = "congestion_" + id;
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
        c.put("connect.coap.max.in.flight", Integer.toString(MAX_IN_FLIGHT));
        c.put("connect.coap.ordering", "NONE");
        // a short ACK_TIMEOUT keeps the test short; the product keeps RFC 7252's 2 s
        c.put("connect.coap.ack.timeout.ms", "200");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.max.retries", "1000");
        c.put("connect.coap.retry.interval", "100");
        c.put("connect.coap.retry.backoff.max.ms", "500");
        return c;
    }

    private long attribute(String attribute) throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName bean = TaskMetrics.objectName(name, "0");
        return ((Number) mbeans.getAttribute(bean, attribute)).longValue();
    }

    /** The record ids that reached libcoap's {@code readings}, each once however often it arrived. */
    private static Set<Integer> recordIds(LibcoapServer libcoap) {
        Set<Integer> ids = new HashSet<>();
        for (LibcoapServer.Request r : libcoap.requests("readings")) {
            Matcher m = ID.matcher(r.text());
            if (m.find()) {
                ids.add(Integer.parseInt(m.group(1)));
            }
        }
        return ids;
    }

    /** The smallest congestion window seen, sampled every 20 ms. */
    private AtomicInteger sampleSmallestWindow() {
        AtomicInteger min = new AtomicInteger(Integer.MAX_VALUE);
        sampler.scheduleAtFixedRate(() -> {
            try {
                min.accumulateAndGet((int) attribute("CongestionWindow"), Math::min);
            } catch (Exception e) {
                // the task is not registered (yet or any more)
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        return min;
    }

    private void overloadedThenRecovered(ResponseCode turnAway, String fault) throws Exception {
        server.responseDelay(Duration.ofMillis(HOLD_MS)).capacity(CAPACITY, turnAway);
        connect.createOrUpdateConnector(name, config());
        connect.awaitConnectorRunning(name, 1, WAIT);
        AtomicInteger smallest = sampleSmallestWindow();
        long t0 = System.nanoTime();

        Records.produce(kafka, topic, 0, OVERLOADED);
        await().atMost(WAIT).until(() -> receipts.distinct() >= OVERLOADED);
        long decreases = attribute("CongestionWindowDecreases");
        int windowWhileOverloaded = smallest.get();
        System.out.printf("RELIABILITY | congestion (%s, capacity %d): %d records, %d turned away, %d CoAP "
                + "retransmissions, %d window decreases, smallest window %d, window now %d%n", fault, CAPACITY,
                OVERLOADED, server.turnedAway(), attribute("CoapRetransmissions"), decreases, windowWhileOverloaded,
                attribute("CongestionWindow"));
        assertThat(server.turnedAway()).as("the server was overloaded").isPositive();
        assertThat(decreases).as("the window shrank").isPositive();
        assertThat(windowWhileOverloaded).isLessThan(CongestionWindow.INITIAL);
        if (turnAway == null) {
            assertThat(attribute("CoapRetransmissions")).as("dropped requests were retransmitted").isPositive();
        }

        server.capacity(0, null).responseDelay(Duration.ZERO);
        Records.produce(kafka, topic, OVERLOADED, OVERLOADED + RECOVERED);
        await().atMost(WAIT).until(() -> attribute("CongestionWindow") == MAX_IN_FLIGHT
                || receipts.distinct() >= OVERLOADED + RECOVERED);
        assertThat(attribute("CongestionWindow")).as("the window grew back").isEqualTo(MAX_IN_FLIGHT);
        await().atMost(WAIT).until(() -> receipts.distinct() >= OVERLOADED + RECOVERED);

        Receipts.Tally tally = receipts.tally("server overloaded (" + fault + "), then recovered",
                OVERLOADED + RECOVERED, (System.nanoTime() - t0) / 1_000_000);
        assertThat(tally.lost()).isZero();
        await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(
                ConnectRestClient.sinkGroupId(name))).containsEntry(new TopicPartition(topic, 0),
                        (long) (OVERLOADED + RECOVERED)));
        assertThat(attribute("RecordsDelivered")).isEqualTo(OVERLOADED + RECOVERED);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void aServerThatDropsUnderLoadShrinksTheWindowLosesNothingAndTheWindowGrowsBack() throws Exception {
        overloadedThenRecovered(null, "drops what it cannot hold");
    }

    /**
     * libcoap, a server nobody here wrote, at RFC 7252's defaults (ACK_TIMEOUT 2 s): every record arrives under the
     * adaptive window and the window grows past its start while answers come back.
     */
    /**
     * libcoap behind a link that loses 10 % of the datagrams each way, at RFC 7252's defaults (ACK_TIMEOUT 2 s):
     * every record arrives, and losses are heard of early (later requests were answered) and resent with their
     * message IDs, which libcoap's de-duplication takes like any retransmission.
     */
    @Test
    void libcoapBehindALossyLinkGetsEveryRecordWithLossesResentEarly(@TempDir Path dir) throws Exception {
        int n = 400; // a retransmission at ACK_TIMEOUT halves the window: 1,000 records took about 60 s here
        try (LibcoapServer libcoap = LibcoapServer.start(dir);
                LossyUdpRelay lossy = new LossyUdpRelay(new InetSocketAddress("127.0.0.1", libcoap.port()), 0.10, 12,
                        Duration.ofMinutes(5))) {
            Map<String, String> config = config();
            config.put("connect.coap.uri", lossy.uri());
            config.remove("connect.coap.ack.timeout.ms");
            connect.createOrUpdateConnector(name, config);
            connect.awaitConnectorRunning(name, 1, WAIT);
            long t0 = System.nanoTime();
            Records.produce(kafka, topic, 0, n);
            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(
                    ConnectRestClient.sinkGroupId(name))).containsEntry(new TopicPartition(topic, 0), (long) n));
            Set<Integer> ids = recordIds(libcoap);
            System.out.printf("RELIABILITY | libcoap at 10 %% loss each way, adaptive window: %d records in %d ms, "
                    + "%d datagrams dropped, %d CoAP retransmissions (%d early), window %d, %d decreases%n",
                    ids.size(), (System.nanoTime() - t0) / 1_000_000, lossy.dropped(), attribute("CoapRetransmissions"),
                    attribute("CoapEarlyRetransmissions"), attribute("CongestionWindow"),
                    attribute("CongestionWindowDecreases"));
            assertThat(ids).as("every record reached libcoap").hasSize(n);
            assertThat(lossy.dropped()).as("the link did lose datagrams").isPositive();
            assertThat(attribute("CoapEarlyRetransmissions")).as("losses were resent ahead of ACK_TIMEOUT")
                    .isPositive();
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
        }
    }

    @Test
    void libcoapGetsEveryRecordWhileTheWindowGrows(@TempDir Path dir) throws Exception {
        int n = 1_000;
        try (LibcoapServer libcoap = LibcoapServer.start(dir)) {
            Map<String, String> config = config();
            config.put("connect.coap.uri", libcoap.uri());
            config.remove("connect.coap.ack.timeout.ms");
            connect.createOrUpdateConnector(name, config);
            connect.awaitConnectorRunning(name, 1, WAIT);
            Records.produce(kafka, topic, 0, n);
            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(
                    ConnectRestClient.sinkGroupId(name))).containsEntry(new TopicPartition(topic, 0), (long) n));
            Set<Integer> ids = recordIds(libcoap);
            System.out.printf("RELIABILITY | libcoap, adaptive window: %d records, %d CoAP retransmissions, window %d, "
                    + "%d decreases%n", ids.size(), attribute("CoapRetransmissions"), attribute("CongestionWindow"),
                    attribute("CongestionWindowDecreases"));
            assertThat(ids).as("every record reached libcoap").hasSize(n);
            assertThat(attribute("CongestionWindow")).as("the window grew while answers came back")
                    .isGreaterThan(CongestionWindow.INITIAL);
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
        }
    }

    @Test
    void aServerThatAnswers503UnderLoadShrinksTheWindowLosesNothingAndTheWindowGrowsBack() throws Exception {
        overloadedThenRecovered(ResponseCode.SERVICE_UNAVAILABLE, "answers 5.03 to what it cannot hold");
    }
}
