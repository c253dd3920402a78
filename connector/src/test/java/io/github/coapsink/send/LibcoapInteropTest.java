package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.TestPki;
import io.github.coapsink.dtls.TestPki.Issued;
import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink against libcoap's coap-server-openssl (Debian libcoap3-bin): PSK and X.509 with mutual
 * authentication. Records PUT by the sink are read back with coap-client-openssl. Install the tools with
 * scripts/install-test-deps.sh; without them this test fails rather than skipping.
 */
class LibcoapInteropTest {

    private static final String SERVER = "coap-server-openssl";
    private static final String CLIENT = "coap-client-openssl";

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void requireLibcoap() {
        for (String tool : List.of(SERVER, CLIENT)) {
            assertThat(onPath(tool)).as(tool + " is not installed: install Debian's libcoap3-bin "
                    + "(scripts/install-test-deps.sh, or apt-get install -y --no-install-recommends libcoap3-bin)")
                    .isTrue();
        }
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void pskAgainstLibcoap() throws Exception {
        int port = startServer("-k", "libcoap-psk-secret", "-h", "CoAP");
        Map<String, String> p = base("coaps://127.0.0.1:" + port);
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "libcoap-psk-secret");
        try (CaliforniumSender sender = start(p)) {
            for (int i = 0; i < 3; i++) {
                SendResult result = put(sender, "sensors/t" + i, "{\"t\":" + i + "}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
        }
        for (int i = 0; i < 3; i++) {
            assertThat(get(port, "sensors/t" + i, "-k", "libcoap-psk-secret", "-u", "sink-1")).isEqualTo("{\"t\":" + i + "}");
        }
    }

    /** Debian 12's libcoap 4.3.1 (OpenSSL) has no connection ID support: the sink's offer must not hurt. */
    @Test
    void connectionIdOfferIsIgnoredByLibcoapWithOpenSsl() throws Exception {
        int port = startServer("-k", "libcoap-psk-secret", "-h", "CoAP");
        Map<String, String> p = base("coaps://127.0.0.1:" + port);
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "libcoap-psk-secret");
        p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, "8");
        try (CaliforniumSender sender = start(p)) {
            SendResult result = put(sender, "sensors/cid", "{\"cid\":true}");
            assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
        }
        assertThat(get(port, "sensors/cid", "-k", "libcoap-psk-secret", "-u", "sink-1")).isEqualTo("{\"cid\":true}");
    }

    /**
     * OpenSSL drops a Finished it cannot verify without an alert, so a wrong PSK shows only as silence. With the
     * default timeouts (ACK_TIMEOUT 2 s, request 30 s) the handshake's last wait for an answer to its Finished ends
     * about when the request's deadline fires (retransmissions after 2, 6 and 14 s, then 16 s): whichever fires
     * first, the failure names the handshake, the flight or message that got no answer and the likely cause, and
     * shows no secret. (Before, the deadline usually won: "PUT ... timed out after 30000 ms".)
     */
    @Test
    void wrongPskAgainstOpensslSaysHandshakeNotJustTimeout() throws Exception {
        int port = startServer("-k", "libcoap-psk-secret", "-h", "CoAP");
        Map<String, String> p = base("coaps://127.0.0.1:" + port);
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "not-the-libcoap-secret");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "2000");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "30000");
        try (CaliforniumSender sender = start(p)) {
            SendResult result = put(sender, "sensors/t1", "{\"t\":1}");
            System.out.println("LIBCOAP | wrong PSK against coap-server-openssl: " + result.detail());
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            // Whichever gives up first, the request's deadline ("did not complete within 30000 ms ...: no answer to
            // our Finished (flight 5)") or Scandium's handshake timeout, the failure names the handshake and the cause.
            assertThat(result.detail()).startsWith("DTLS handshake with 127.0.0.1:" + port)
                    .contains("wrong PSK identity or secret")
                    .contains("PUT 127.0.0.1:" + port + "/sensors/t1 not sent")
                    .doesNotContain("not-the-libcoap-secret").doesNotContain("libcoap-psk-secret");
        }
    }

    @Test
    void x509MutualAuthenticationAgainstLibcoap() throws Exception {
        Issued ca = TestPki.ca("Interop CA");
        Issued server = TestPki.leaf("libcoap-server", ca, TestPki.ec());
        Issued client = TestPki.leaf("coap-sink", ca, TestPki.ec());
        Path caPem = TestPki.writeCertificates(dir.resolve("ca.pem"), ca.certificate());
        Path serverPem = TestPki.writeCertificates(dir.resolve("server.pem"), server.certificate());
        Path serverKey = TestPki.writePrivateKey(dir.resolve("server.key"), server.keys().getPrivate());
        Path clientPem = TestPki.writeCertificates(dir.resolve("client.pem"), client.certificate());
        Path clientKey = TestPki.writePrivateKey(dir.resolve("client.key"), client.keys().getPrivate());
        int port = startServer("-c", serverPem.toString(), "-j", serverKey.toString(), "-C", caPem.toString());

        Map<String, String> p = base("coaps://127.0.0.1:" + port);
        p.put(CoapSinkConfig.KEYSTORE_PATH, TestPki.keyStore(dir.resolve("client.p12"), "PKCS12", "ks-pass-1", "client",
                client.keys().getPrivate(), client.certificate(), ca.certificate()).toString());
        p.put(CoapSinkConfig.KEYSTORE_PASS, "ks-pass-1");
        p.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.jks"), "JKS", "ts-pass-1",
                "interop-ca", ca.certificate()).toString());
        p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-1");
        try (CaliforniumSender sender = start(p)) {
            SendResult result = put(sender, "sensors/x509", "{\"ok\":true}");
            assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
        }
        assertThat(get(port, "sensors/x509", "-c", clientPem.toString(), "-j", clientKey.toString(), "-C",
                caPem.toString())).isEqualTo("{\"ok\":true}");
    }

    /** Starts coap-server-openssl with dynamic resources; returns its DTLS port (libcoap uses UDP port + 1). */
    private int startServer(String... security) throws IOException {
        int udp = freePortPair();
        List<String> command = new ArrayList<>(List.of(SERVER, "-A", "127.0.0.1", "-p", String.valueOf(udp), "-d", "20"));
        command.addAll(List.of(security));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server-" + udp + ".log").toFile()).start();
        processes.add(process);
        int dtls = udp + 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            assertThat(process.isAlive()).as("coap-server-openssl exited: "
                    + Files.readString(dir.resolve("server-" + udp + ".log"))).isTrue();
            return !bindable(dtls);
        });
        return dtls;
    }

    private String get(int port, String path, String... security) throws Exception {
        List<String> command = new ArrayList<>(List.of(CLIENT, "-m", "get", "-B", "10"));
        command.addAll(List.of(security));
        command.add("coaps://127.0.0.1:" + port + "/" + path);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket first = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                int port = first.getLocalPort();
                if (port < 65535 && bindable(port + 1)) {
                    return port;
                }
            }
        }
        throw new IllegalStateException("no two adjacent free UDP ports on 127.0.0.1");
    }

    private static boolean bindable(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return true;
        } catch (BindException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
