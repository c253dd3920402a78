package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.DtlsHandshake;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whether a DTLS connection ID (RFC 9146) is negotiated, seen from a real Scandium server. The NAT rebinding
 * itself is in reliability.DtlsConnectionIdIT.
 */
class DtlsConnectionIdTest {

    private static void sendThree(CoapTestServer server, int sinkConnectionIdLength) throws Exception {
        Map<String, String> p = base(server.dtlsUri());
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
        p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, Integer.toString(sinkConnectionIdLength));
        try (CaliforniumSender sender = start(p)) {
            for (int i = 0; i < 3; i++) {
                SendResult result = put(sender, "cid/" + i, "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
        }
    }

    private static CoapTestServer.Builder server() {
        return CoapTestServer.builder().port(-1).dtlsPort(0).psk("sink-1", "s3cr3t-psk");
    }

    @Test
    void negotiatedWhenTheSinkOffersItAndTheServerUsesIt() throws Exception {
        try (CoapTestServer server = server().dtlsConnectionIdLength(6).start()) {
            sendThree(server, 8);
            assertThat(server.dtlsHandshakes()).singleElement().extracting(DtlsHandshake::connectionId).isEqualTo(true);
            assertThat(server.requests()).hasSize(3);
        }
    }

    /** With a connection ID the sink does no auto-handshake after a silence; a server restart still heals. */
    @Test
    void aServerThatForgotTheSessionIsHandshakedWithAgain() throws Exception {
        try (CoapTestServer server = server().dtlsConnectionIdLength(6).start()) {
            Map<String, String> p = base(server.dtlsUri());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, "8");
            p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "300");
            p.put(CoapSinkConfig.ENDPOINTS, "1");
            try (CaliforniumSender sender = start(p)) {
                assertThat(put(sender, "before", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
                server.stop();
                server.start();
                for (int i = 0; i < 3; i++) {
                    SendResult result = put(sender, "after/" + i, "{}");
                    assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
                }
            }
            assertThat(server.dtlsHandshakes()).hasSize(2).allMatch(DtlsHandshake::connectionId);
            assertThat(server.requests()).extracting(r -> r.path()).containsExactly("before", "after/0", "after/1",
                    "after/2");
        }
    }

    @Test
    void worksTogetherWithServerNameIndication() throws Exception {
        try (CoapTestServer server = server().dtlsConnectionIdLength(6).dtlsServerName("localhost").start()) {
            Map<String, String> p = base("coaps://localhost:" + server.dtlsPort());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, "8");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sni", "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.dtlsHandshakes()).singleElement().satisfies(h -> {
                assertThat(h.connectionId()).isTrue();
                assertThat(h.serverName()).isEqualTo("localhost");
            });
        }
    }

    @Test
    void offIsTheDefaultAndTheSinkOffersNone() throws Exception {
        try (CoapTestServer server = server().dtlsConnectionIdLength(6).start()) {
            sendThree(server, 0);
            assertThat(server.dtlsHandshakes()).singleElement().extracting(DtlsHandshake::connectionId).isEqualTo(false);
        }
    }

    @Test
    void aServerWithoutConnectionIdsIgnoresTheOffer() throws Exception {
        try (CoapTestServer server = server().start()) {
            sendThree(server, 8);
            assertThat(server.dtlsHandshakes()).singleElement().extracting(DtlsHandshake::connectionId).isEqualTo(false);
            assertThat(server.requests()).hasSize(3);
        }
    }
}
