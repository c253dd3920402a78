package io.github.coapsink.testserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;

class CoapTestServerMainTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void startsOnEphemeralPortsAndPrintsUrisAndRequests() throws Exception {
        try (CoapTestServer server = CoapTestServerMain.start(new String[] {"--port", "0", "--dtls-port", "0",
                "--psk-identity", "cli-id", "--psk-secret", "cli-secret-value", "--history", "5"}, out)) {
            assertThat(server.plainPort()).isPositive();
            assertThat(server.dtlsPort()).isPositive();
            assertThat(output()).contains("plain: coap://127.0.0.1:" + server.plainPort())
                    .contains("DTLS:  coaps://127.0.0.1:" + server.dtlsPort())
                    .contains("PSK identity: cli-id (secret as given)")
                    .contains(server.dtlsCredentials().publicKeyBase64())
                    .contains("BEGIN CERTIFICATE")
                    .doesNotContain("cli-secret-value");

            CoapClient client = TestClients.plain(server.plainUri() + "/cli/path");
            try {
                assertThat(client.put("{\"hello\":\"cli\"}", MediaTypeRegistry.APPLICATION_JSON).getCode())
                        .isEqualTo(ResponseCode.CHANGED);
            } finally {
                TestClients.close(client);
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output())
                    .containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} 127\\.0\\.0\\.1:\\d+ PUT CON /cli/path cf=50 -> 2\\.04 "
                            + "15B \\{\"hello\":\"cli\"\\}"));
        }
    }

    @Test
    void faultOptionsAreApplied() throws Exception {
        try (CoapTestServer server = CoapTestServerMain.start(new String[] {"--port", "0", "--quiet",
                "--respond-with", "a=4.04", "--respond-with", "b=SERVICE_UNAVAILABLE", "--unavailable-seconds", "30"},
                out)) {
            assertThat(output()).contains("5.03 Service Unavailable for the first 30 s")
                    .contains("respond-with a=4.04");
            CoapClient client = TestClients.plain(server.plainUri() + "/c");
            try {
                assertThat(client.put("x", 0).getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
                server.unavailableFor(Duration.ZERO);
                assertThat(client.put("x", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
                client.setURI(server.plainUri() + "/a");
                assertThat(client.put("x", 0).getCode()).isEqualTo(ResponseCode.NOT_FOUND);
            } finally {
                TestClients.close(client);
            }
            assertThat(output()).doesNotContain("PUT CON");
        }
    }

    @Test
    void busyPortIsReportedWithItsNumber() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--port", String.valueOf(port)}, out))
                    .isInstanceOf(CoapTestServer.PortUnavailableException.class)
                    .hasMessageContaining("port " + port)
                    .hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void helpAndBadOptions() {
        assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--help"}, out))
                .isInstanceOfSatisfying(CoapTestServerMain.CliException.class, e -> {
                    assertThat(e.exitCode()).isZero();
                    assertThat(e.getMessage()).contains("--drop-ratio", "--psk-identity", "--response-delay-ms");
                });
        assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--bogus"}, out))
                .isInstanceOfSatisfying(CoapTestServerMain.CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--psk-identity", "x"}, out))
                .isInstanceOfSatisfying(CoapTestServerMain.CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--port", "70000"}, out))
                .isInstanceOfSatisfying(CoapTestServerMain.CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> CoapTestServerMain.start(new String[] {"--respond-with", "9.99"}, out))
                .isInstanceOfSatisfying(CoapTestServerMain.CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
    }
}
