package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.DtlsHandshake;
import io.github.coapsink.testserver.ReceivedRequest;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A NAT rebinding in the middle of a DTLS stream: a relay between sink and server moves to a new source port
 * towards the server. The server is Scandium with connection IDs (RFC 9146) on; handshakes are counted there.
 */
@Tag("reliability")
class DtlsConnectionIdIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BEFORE = 10;
    private static final int AFTER = 10;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-cid");

    private CoapTestServer server;
    private LossyUdpRelay relay;

    @AfterEach
    void tearDown() {
        if (relay != null) {
            relay.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * @param firstAfterMillis from producing the first record after the rebinding until the server had it: a
     *     measurement for the docs, not asserted
     */
    private record Run(List<DtlsHandshake> handshakes, List<ReceivedRequest> requests, List<Integer> newPorts,
            long firstAfterMillis) {
        Set<Integer> sourcePorts(int fromSeq, int toSeq) {
            return requests.stream().filter(r -> seq(r) >= fromSeq && seq(r) < toSeq)
                    .map(r -> r.source().getPort()).collect(Collectors.toSet());
        }
    }

    private static int seq(ReceivedRequest r) {
        try {
            return JSON.readTree(r.payloadText()).get("seq").asInt();
        } catch (Exception e) {
            throw new AssertionError(r.payloadText(), e);
        }
    }

    private Object retried() {
        try {
            return ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(
                    "kafka.connect:type=plugins,connector=" + sink.name() + ",task=0"), "records-retried-total");
        } catch (Exception e) {
            return e.toString();
        }
    }

    private Set<Integer> delivered() {
        return server.requests("r").stream().map(DtlsConnectionIdIT::seq).collect(Collectors.toCollection(TreeSet::new));
    }

    /** BEFORE records, the rebinding, AFTER records; all must arrive and be committed (error policy RETRY). */
    private Run streamThroughRebinding(int connectionIdLength) {
        server = CoapTestServer.builder().port(-1).dtlsPort(0).psk("sink", "cid-secret").dtlsConnectionIdLength(6)
                .dtlsServerName("localhost").start();
        relay = new LossyUdpRelay(new InetSocketAddress("127.0.0.1", server.dtlsPort()), 0.0, 1, WAIT.multipliedBy(2));
        String topic = sink.topic();
        sink.kafka().createTopic(topic, 1);
        // A host name, so that the sink also sends SNI, which the server reads: connection IDs and SNI together.
        Map<String, String> config = sink.config(relay.secureUri("localhost"), "INSERT INTO r SELECT * FROM " + topic);
        config.put(CoapSinkConfig.USERNAME, "sink");
        config.put(CoapSinkConfig.PASSWORD, "cid-secret");
        config.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, Integer.toString(connectionIdLength));
        config.put(CoapSinkConfig.ERROR_POLICY, "RETRY");
        config.put(CoapSinkConfig.RETRY_INTERVAL, "200");
        config.put(CoapSinkConfig.ACK_TIMEOUT_MS, "500");
        sink.run(config);

        for (int i = 0; i < BEFORE; i++) {
            sink.kafka().send(topic, null, "{\"seq\":" + i + "}");
        }
        await().atMost(WAIT).until(() -> delivered().size() == BEFORE);
        assertThat(server.dtlsHandshakes()).singleElement().extracting(DtlsHandshake::serverName).isEqualTo("localhost");
        List<Integer> newPorts = relay.rebind();
        assertThat(newPorts).hasSize(1);
        long firstAfterProduced = 0;
        for (int i = BEFORE; i < BEFORE + AFTER; i++) {
            sink.kafka().send(topic, null, "{\"seq\":" + i + "}");
            if (i == BEFORE) {
                firstAfterProduced = System.nanoTime();
            }
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered())
                .containsExactlyElementsOf(IntStream.range(0, BEFORE + AFTER).boxed().toList()));
        sink.awaitCommitted(topic, 0, BEFORE + AFTER);
        List<ReceivedRequest> requests = server.requests("r");
        long firstAfterReceived = requests.stream().filter(r -> seq(r) == BEFORE).findFirst().orElseThrow()
                .receivedNanos();
        Run run = new Run(server.dtlsHandshakes(), requests, newPorts,
                (firstAfterReceived - firstAfterProduced) / 1_000_000);
        System.out.printf("Connection ID length %d: handshakes %s; first record after the rebinding at the server "
                + "%d ms after it was produced; records retried %s; relay %s%n", connectionIdLength, run.handshakes(),
                run.firstAfterMillis(), retried(), relay.stats());
        return run;
    }

    @Test
    void withConnectionIdsTheSessionFollowsTheNewPortWithoutAHandshake() {
        Run run = streamThroughRebinding(8);
        assertThat(run.handshakes()).as("one handshake, before the rebinding").hasSize(1);
        assertThat(run.handshakes().get(0).connectionId()).as("the server gave the sink a connection ID").isTrue();
        int before = run.handshakes().get(0).peer().getPort();
        assertThat(run.sourcePorts(0, BEFORE)).containsExactly(before);
        assertThat(run.sourcePorts(BEFORE, BEFORE + AFTER)).as("the server took the records from the new port")
                .containsExactly(run.newPorts().get(0));
    }

    @Test
    void withoutConnectionIdsTheSinkHandshakesAgainFromTheNewPortAndLosesNothing() {
        Run run = streamThroughRebinding(0);
        assertThat(run.handshakes().get(0).connectionId()).as("the sink did not offer connection IDs").isFalse();
        assertThat(run.handshakes()).as("a new handshake after the rebinding").hasSizeGreaterThanOrEqualTo(2);
        assertThat(run.handshakes().get(1).peer().getPort()).isEqualTo(run.newPorts().get(0));
        assertThat(run.handshakes().get(1).resumption()).as("the sink resumed its session (abbreviated handshake)")
                .isTrue();
        assertThat(run.handshakes().get(1).serverName()).isEqualTo("localhost");
        assertThat(run.sourcePorts(BEFORE, BEFORE + AFTER)).containsExactly(run.newPorts().get(0));
    }
}
