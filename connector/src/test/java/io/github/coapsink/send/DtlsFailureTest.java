package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsTestServer;
import io.github.coapsink.dtls.TestPki;
import io.github.coapsink.dtls.TestPki.Issued;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each failure gives its documented error and delivers nothing. */
class DtlsFailureTest {

    @TempDir
    Path dir;

    private static Map<String, String> psk(String uri, String secret) {
        Map<String, String> p = base(uri);
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, secret);
        return p;
    }

    @Test
    void wrongPskIsATransientHandshakeFailureNamingThePeer() throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().psk("sink-1", "right-secret").start();
                CaliforniumSender sender = start(psk(server.uri(), "wrong-secret"))) {
            SendResult result = put(sender, "sensors/t1", "{}");
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(result.kind()).isEqualTo(SendResult.Kind.HANDSHAKE_FAILURE);
            assertThat(result.detail()).isEqualTo("DTLS handshake with 127.0.0.1:" + server.port() + " failed: the "
                    + "server did not accept our Finished message (wrong PSK identity or secret?); PUT 127.0.0.1:"
                    + server.port() + "/sensors/t1 not sent");
            assertThat(server.received()).isEmpty();
        }
    }

    @Test
    void serverDownIsAHandshakeTimeoutWithinTheRequestTimeout() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> p = psk("coaps://127.0.0.1:" + port, "secret");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "200");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "5000");
        try (CaliforniumSender sender = start(p)) {
            SendResult result = put(sender, "sensors/t1", "{}");
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(result.kind()).isEqualTo(SendResult.Kind.HANDSHAKE_FAILURE);
            assertThat(result.detail()).isEqualTo("DTLS handshake with 127.0.0.1:" + port + " failed: no answer to "
                    + "the handshake (server down or not speaking DTLS on this port?); PUT 127.0.0.1:" + port
                    + "/sensors/t1 not sent");
        }
    }

    @Test
    void untrustedServerCertificate() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued rogue = TestPki.ca("Rogue CA");
        Issued serverCert = TestPki.leaf("coap-server", rogue, TestPki.ec());
        try (DtlsTestServer server = DtlsTestServer.builder()
                .certificate(serverCert.keys(), serverCert.certificate(), rogue.certificate()).start()) {
            try (CaliforniumSender sender = start(trusting(server.uri(), ca))) {
                SendResult result = put(sender, "sensors/t1", "{}");
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                assertThat(result.kind()).isEqualTo(SendResult.Kind.HANDSHAKE_FAILURE);
                assertThat(result.detail()).isEqualTo("DTLS handshake with 127.0.0.1:" + server.port()
                        + " failed: Certificate chain could not be validated; PUT 127.0.0.1:" + server.port()
                        + "/sensors/t1 not sent");
            }
            assertThat(server.received()).isEmpty();
        }
    }

    @Test
    void expiredServerCertificate() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued expired = TestPki.leaf("coap-server", ca, TestPki.ec(), List.of("ip:127.0.0.1"),
                Instant.now().minus(30, ChronoUnit.DAYS), Instant.now().minus(1, ChronoUnit.DAYS));
        try (DtlsTestServer server = DtlsTestServer.builder()
                .certificate(expired.keys(), expired.certificate(), ca.certificate()).start()) {
            try (CaliforniumSender sender = start(trusting(server.uri(), ca))) {
                SendResult result = put(sender, "sensors/t1", "{}");
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                assertThat(result.kind()).isEqualTo(SendResult.Kind.HANDSHAKE_FAILURE);
                assertThat(result.detail()).isEqualTo("DTLS handshake with 127.0.0.1:" + server.port()
                        + " failed: Certificate expired; PUT 127.0.0.1:" + server.port() + "/sensors/t1 not sent");
            }
            assertThat(server.received()).isEmpty();
        }
    }

    @Test
    void untrustedServerRawPublicKey() throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(TestPki.ec()).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("other.pub"), TestPki.ec()).toString());
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sensors/t1", "{}");
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                assertThat(result.kind()).isEqualTo(SendResult.Kind.HANDSHAKE_FAILURE);
                assertThat(result.detail()).isEqualTo("DTLS handshake with 127.0.0.1:" + server.port()
                        + " failed: Raw public key is not trusted!; PUT 127.0.0.1:" + server.port() + "/sensors/t1 not sent");
            }
            assertThat(server.received()).isEmpty();
        }
    }

    @Test
    void missingKeyFileFailsAtStartNamingKeyAndPath() {
        Map<String, String> p = base("coaps://127.0.0.1:5684");
        Path missing = dir.resolve("nope.pem");
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, missing.toString());
        p.put(CoapSinkConfig.PUBLIC_KEY_FILE, missing.toString());
        p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class).hasMessage(
                "connect.coap.private.key.file: " + missing + " does not exist (the file must be on every worker "
                        + "that runs a task)");
    }

    @Test
    void wrongKeystorePasswordFailsAtStartWithoutShowingIt() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued client = TestPki.leaf("coap-sink", ca, TestPki.ec());
        Path store = TestPki.keyStore(dir.resolve("client.p12"), "PKCS12", "right-pass", "client",
                client.keys().getPrivate(), client.certificate());
        Map<String, String> p = trusting("coaps://127.0.0.1:5684", ca);
        p.put(CoapSinkConfig.KEYSTORE_PATH, store.toString());
        p.put(CoapSinkConfig.KEYSTORE_PASS, "wrong-pass");
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class)
                .hasMessage("connect.coap.keystore.pass: does not open the key store " + store + ": wrong password")
                .hasMessageNotContaining("wrong-pass").hasMessageNotContaining("right-pass");
    }

    @Test
    void wrongKeystorePasswordForJks() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued client = TestPki.leaf("coap-sink", ca, TestPki.ec());
        Path store = TestPki.keyStore(dir.resolve("client.jks"), "JKS", "right-pass", "client",
                client.keys().getPrivate(), client.certificate());
        Map<String, String> p = trusting("coaps://127.0.0.1:5684", ca);
        p.put(CoapSinkConfig.KEYSTORE_PATH, store.toString());
        p.put(CoapSinkConfig.KEYSTORE_PASS, "wrong-pass");
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class)
                .hasMessage("connect.coap.keystore.pass: does not open the key store " + store + ": wrong password");
    }

    @Test
    void keystoreWithoutTheAlias() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued client = TestPki.leaf("coap-sink", ca, TestPki.ec());
        Path store = TestPki.keyStore(dir.resolve("client.p12"), "PKCS12", "pass-1", "sink",
                client.keys().getPrivate(), client.certificate());
        Map<String, String> p = trusting("coaps://127.0.0.1:5684", ca);
        p.put(CoapSinkConfig.KEYSTORE_PATH, store.toString());
        p.put(CoapSinkConfig.KEYSTORE_PASS, "pass-1");
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class).hasMessage(
                "connect.coap.cert.chain.key: 'client' is not a private key entry of the key store " + store
                        + "; its key entries are [sink]");
    }

    @Test
    void pkcs1AndSec1KeyFilesAreRefusedWithTheOpensslCommand() throws Exception {
        Path rsa = TestPki.writeTraditionalPrivateKey(dir.resolve("rsa.pem"), TestPki.rsa().getPrivate());
        Path ec = TestPki.writeTraditionalPrivateKey(dir.resolve("ec.pem"), TestPki.ec().getPrivate());
        Path pub = TestPki.writePublicKey(dir.resolve("pub.pem"), TestPki.ec());
        Map<String, String> p = base("coaps://127.0.0.1:5684");
        p.put(CoapSinkConfig.PUBLIC_KEY_FILE, pub.toString());
        p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, rsa.toString());
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class).hasMessage(
                "connect.coap.private.key.file: " + rsa + " is a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY'); convert it "
                        + "to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + rsa + " -out " + dir.resolve("rsa-pkcs8.pem"));
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, ec.toString());
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class).hasMessage(
                "connect.coap.private.key.file: " + ec + " is a SEC1 EC key ('BEGIN EC PRIVATE KEY'); convert it "
                        + "to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + ec + " -out " + dir.resolve("ec-pkcs8.pem"));
    }

    @Test
    void publicKeyThatDoesNotBelongToThePrivateKey() throws Exception {
        Map<String, String> p = base("coaps://127.0.0.1:5684");
        Path key = TestPki.writePrivateKey(dir.resolve("k.pem"), TestPki.ec().getPrivate());
        Path pub = TestPki.writePublicKey(dir.resolve("pub.pem"), TestPki.ec());
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, key.toString());
        p.put(CoapSinkConfig.PUBLIC_KEY_FILE, pub.toString());
        p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
        assertThatThrownBy(() -> start(p)).isInstanceOf(ConfigException.class).hasMessage(
                "connect.coap.public.key.file: " + pub + " is not the public key of the private key in " + key);
    }

    private Map<String, String> trusting(String uri, Issued ca) throws Exception {
        Map<String, String> p = base(uri);
        p.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust-" + System.nanoTime() + ".p12"),
                "PKCS12", "ts-pass-1", "root", ca.certificate()).toString());
        p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-1");
        return p;
    }
}
