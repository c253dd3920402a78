package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsTestServer;
import io.github.coapsink.dtls.DtlsTestServer.Received;
import io.github.coapsink.dtls.TestPki;
import io.github.coapsink.dtls.TestPki.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Real DTLS handshakes between the sink's sender and an in-process Scandium server, one per identity kind. */
class DtlsSenderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"})
    void pskWithEachDefaultSuite(CipherSuite suite) throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().psk("sink-1", "s3cr3t-psk").suites(suite).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sensors/t1", "{\"t\":21.5}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).singleElement().satisfies(r -> {
                assertThat(r.path()).isEqualTo("sensors/t1");
                assertThat(r.payload()).isEqualTo("{\"t\":21.5}");
                assertThat(r.peer()).isInstanceOf(PreSharedKeyIdentity.class);
                assertThat(r.peer().getName()).isEqualTo("sink-1");
            });
        }
    }

    @Test
    void pskWithTheOldConnectorsCbcSuiteWhenListed() throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().psk("sink-1", "s3cr3t-psk")
                .suites(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            p.put(CoapSinkConfig.DTLS_CIPHER_SUITES, "TLS_PSK_WITH_AES_128_CBC_SHA256, TLS_PSK_WITH_AES_128_CCM_8");
            try (CaliforniumSender sender = start(p)) {
                assertThat(put(sender, "sensors/t1", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void rawPublicKeysBothWays(String algorithm) throws Exception {
        KeyPair serverKeys = algorithm.equals("EC") ? TestPki.ec() : TestPki.rsa();
        KeyPair clientKeys = algorithm.equals("EC") ? TestPki.ec() : TestPki.rsa();
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(serverKeys).requireClientAuth().start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("client.key"), clientKeys.getPrivate()).toString());
            p.put(CoapSinkConfig.PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("client.pub"), clientKeys).toString());
            p.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("server.pub"), serverKeys).toString());
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sensors/rpk", "{\"a\":1}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).singleElement().satisfies(r ->
                    assertThat(r.peer()).isEqualTo(new RawPublicKeyIdentity(clientKeys.getPublic())));
        }
    }

    @Test
    void pskAndRawPublicKeyTogetherAsTheSeedDescribes() throws Exception {
        KeyPair serverKeys = TestPki.ec();
        KeyPair clientKeys = TestPki.ec();
        // The server only speaks certificate suites: the PSK identity is offered, the raw public key is used.
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(serverKeys).requireClientAuth().start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            p.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("client.key"), clientKeys.getPrivate()).toString());
            p.put(CoapSinkConfig.PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("client.pub"), clientKeys).toString());
            p.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("server.pub"), serverKeys).toString());
            try (CaliforniumSender sender = start(p)) {
                assertThat(put(sender, "sensors/both", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).singleElement().satisfies(r ->
                    assertThat(r.peer()).isInstanceOf(RawPublicKeyIdentity.class));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"JKS", "PKCS12"})
    void x509MutualAuthenticationWithStores(String storeType) throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued serverCert = TestPki.leaf("coap-server", ca, TestPki.ec());
        Issued clientCert = TestPki.leaf("coap-sink", ca, TestPki.ec());
        try (DtlsTestServer server = DtlsTestServer.builder()
                .certificate(serverCert.keys(), serverCert.certificate(), ca.certificate())
                .requireClientAuth(ca.certificate()).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.KEYSTORE_PATH, TestPki.keyStore(dir.resolve("client.store"), storeType, "ks-pass-1",
                    "sink", clientCert.keys().getPrivate(), clientCert.certificate(), ca.certificate()).toString());
            p.put(CoapSinkConfig.KEYSTORE_PASS, "ks-pass-1");
            p.put(CoapSinkConfig.CERT_CHAIN_KEY, "sink");
            p.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.store"), storeType, "ts-pass-1",
                    "other", TestPki.ca("Other CA").certificate(), "root", ca.certificate()).toString());
            p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-1");
            p.put(CoapSinkConfig.CERTS, "root");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sensors/x509", "{\"x\":true}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).singleElement().satisfies(r -> {
                assertThat(r.peer()).isInstanceOf(X509CertPath.class);
                assertThat(r.peer().getName()).contains("CN=coap-sink");
            });
        }
    }

    @Test
    void x509ServerAuthenticationOnlyWithRsaServerCertificate() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued serverCert = TestPki.leaf("coap-server", ca, TestPki.rsa());
        try (DtlsTestServer server = DtlsTestServer.builder()
                .certificate(serverCert.keys(), serverCert.certificate(), ca.certificate()).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.p12"), "PKCS12", "ts-pass-1",
                    "root", ca.certificate()).toString());
            p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-1");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "sensors/x509", "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).hasSize(1);
        }
    }

    @Test
    void hostNameOfTheUriIsCheckedAgainstTheCertificate() throws Exception {
        Issued ca = TestPki.ca("Test CA");
        Issued byName = TestPki.leaf("coap-server", ca, TestPki.ec(), List.of("dns:localhost"),
                java.time.Instant.now().minusSeconds(3600), java.time.Instant.now().plusSeconds(86400));
        try (DtlsTestServer server = DtlsTestServer.builder()
                .certificate(byName.keys(), byName.certificate(), ca.certificate()).start()) {
            Map<String, String> p = base("coaps://localhost:" + server.port());
            p.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.p12"), "PKCS12", "ts-pass-1",
                    "root", ca.certificate()).toString());
            p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-1");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "by-name", "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            // The same certificate does not name 127.0.0.1: refused, unless the check is switched off.
            p.put(CoapSinkConfig.URI, server.uri());
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "by-ip", "{}");
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                assertThat(result.detail()).startsWith("DTLS handshake with 127.0.0.1:" + server.port() + " failed: ")
                        .contains("127.0.0.1");
            }
            p.put(CoapSinkConfig.DTLS_VERIFY_SERVER_HOSTNAME, "false");
            try (CaliforniumSender sender = start(p)) {
                assertThat(put(sender, "unchecked", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).extracting(DtlsTestServer.Received::path).containsExactly("by-name", "unchecked");
        }
    }

    @Test
    void insecureTrustAllAcceptsAnUnknownServerKey() throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(TestPki.ec()).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
            try (CaliforniumSender sender = start(p)) {
                assertThat(put(sender, "anything", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
        }
    }

    @Test
    void sessionIsReusedAndReestablishedAfterServerRestart() throws Exception {
        try (DtlsTestServer server = DtlsTestServer.builder().psk("sink-1", "s3cr3t-psk").start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.USERNAME, "sink-1");
            p.put(CoapSinkConfig.PASSWORD, "s3cr3t-psk");
            p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "300");
            // One endpoint, so one session; with N endpoints each has its own session.
            p.put(CoapSinkConfig.ENDPOINTS, "1");
            try (CaliforniumSender sender = start(p)) {
                for (int i = 0; i < 5; i++) {
                    assertThat(put(sender, "before/" + i, "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
                }
                int port = server.port();
                server.restart();
                assertThat(server.port()).isEqualTo(port);
                for (int i = 0; i < 5; i++) {
                    SendResult result = put(sender, "after/" + i, "{}");
                    assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
                }
            }
            List<DtlsTestServer.Received> received = server.received();
            assertThat(received).extracting(DtlsTestServer.Received::path).containsExactly("before/0", "before/1",
                    "before/2", "before/3", "before/4", "after/0", "after/1", "after/2", "after/3", "after/4");
            // One DTLS session for all records before the restart, one new one after it.
            assertThat(received.subList(0, 5)).extracting(DtlsTestServer.Received::session).containsOnly(received.get(0).session());
            assertThat(received.subList(5, 10)).extracting(DtlsTestServer.Received::session).containsOnly(received.get(5).session())
                    .doesNotContain(received.get(0).session());
        }
    }

    /**
     * The credentials are loaded once, at the sender's start: an endpoint the pool adds later (from a sending
     * thread, when the others are out of message IDs) reads no file, so it still handshakes after every
     * credential file is gone.
     */
    @Test
    void endpointsAddedLaterReuseTheCredentialsLoadedAtStart() throws Exception {
        KeyPair serverKeys = TestPki.ec();
        KeyPair clientKeys = TestPki.ec();
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(serverKeys).requireClientAuth().start()) {
            Map<String, String> p = base(server.uri());
            Path privateKey = TestPki.writePrivateKey(dir.resolve("client.key"), clientKeys.getPrivate());
            Path publicKey = TestPki.writePublicKey(dir.resolve("client.pub"), clientKeys);
            Path serverKey = TestPki.writePublicKey(dir.resolve("server.pub"), serverKeys);
            p.put(CoapSinkConfig.PRIVATE_KEY_FILE, privateKey.toString());
            p.put(CoapSinkConfig.PUBLIC_KEY_FILE, publicKey.toString());
            p.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, serverKey.toString());
            p.put(CoapSinkConfig.ENDPOINTS, "2");
            try (CaliforniumSender sender = start(p)) {
                Files.delete(privateKey);
                Files.delete(publicKey);
                Files.delete(serverKey);
                sender.pool.add(); // what pick() does when every endpoint has used its message IDs
                assertThat(sender.localAddresses()).hasSize(2).doesNotHaveDuplicates();
                // the pool hands out its endpoints in turn: one request from each
                SendResult first = put(sender, "sensors/a", "{\"n\":1}");
                SendResult second = put(sender, "sensors/b", "{\"n\":2}");
                assertThat(first.outcome()).as(first.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
                assertThat(second.outcome()).as(second.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).hasSize(2)
                    .allSatisfy(r -> assertThat(r.peer()).isEqualTo(new RawPublicKeyIdentity(clientKeys.getPublic())))
                    .extracting(Received::session).as("one DTLS session per endpoint").doesNotHaveDuplicates();
        }
    }
}
