package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsTestServer;
import io.github.coapsink.dtls.TestPki;
import io.github.coapsink.dtls.TestPki.Issued;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * coaps:// end to end: a real KRaft broker, Kafka's Connect runtime, and a Scandium DTLS server on
 * 127.0.0.1, with keys and certificates generated for each test.
 */
class DtlsSinkIT {

    private static final Duration WAIT = StandaloneSink.WAIT;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coaps-sink");

    @TempDir
    Path dir;
    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;
    private String name;
    private String topic;
    private DtlsTestServer server;

    @BeforeEach
    void names() {
        kafka = sink.kafka();
        connect = sink.connect();
        name = sink.name();
        topic = sink.topic();
        kafka.createTopic(topic, 1);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    private Map<String, String> config(String resource) {
        return sink.config(server.uri(), "INSERT INTO " + resource + " SELECT * FROM " + topic);
    }

    private void runAndSend(Map<String, String> config, int records) {
        sink.run(config);
        for (int i = 0; i < records; i++) {
            kafka.send(topic, null, "{\"seq\":" + i + "}");
        }
        await().atMost(WAIT).until(() -> server.received().size() >= records);
        sink.awaitCommitted(topic, 0, records);
    }

    @Test
    void preSharedKey() throws Exception {
        server = DtlsTestServer.builder().psk("sink-1", "psk-secret-e2e").start();
        Map<String, String> c = config("secure/psk");
        c.put(CoapSinkConfig.USERNAME, "sink-1");
        c.put(CoapSinkConfig.PASSWORD, "psk-secret-e2e");
        runAndSend(c, 5);
        assertThat(server.received()).extracting(DtlsTestServer.Received::path).containsOnly("secure/psk");
        assertThat(server.received()).extracting(DtlsTestServer.Received::payload).contains("{\"seq\":0}", "{\"seq\":4}");
        assertThat(server.received().get(0).peer().getName()).isEqualTo("sink-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void rawPublicKeys(String algorithm) throws Exception {
        KeyPair serverKeys = algorithm.equals("EC") ? TestPki.ec() : TestPki.rsa();
        KeyPair clientKeys = algorithm.equals("EC") ? TestPki.ec() : TestPki.rsa();
        server = DtlsTestServer.builder().rawPublicKey(serverKeys).requireClientAuth().start();
        Map<String, String> c = config("secure/rpk");
        c.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("client.key"), clientKeys.getPrivate()).toString());
        c.put(CoapSinkConfig.PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("client.pub"), clientKeys).toString());
        c.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("server.pub"), serverKeys).toString());
        runAndSend(c, 3);
        assertThat(server.received().get(0).peer()).isEqualTo(new RawPublicKeyIdentity(clientKeys.getPublic()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"JKS", "PKCS12"})
    void x509MutualAuthentication(String storeType) throws Exception {
        Issued ca = TestPki.ca("E2E CA");
        Issued serverCert = TestPki.leaf("coap-server", ca, TestPki.ec());
        Issued clientCert = TestPki.leaf("coap-sink", ca, TestPki.ec());
        server = DtlsTestServer.builder().certificate(serverCert.keys(), serverCert.certificate(), ca.certificate())
                .requireClientAuth(ca.certificate()).start();
        Map<String, String> c = config("secure/x509");
        c.put(CoapSinkConfig.KEYSTORE_PATH, TestPki.keyStore(dir.resolve("client.store"), storeType, "ks-pass-e2e",
                "client", clientCert.keys().getPrivate(), clientCert.certificate(), ca.certificate()).toString());
        c.put(CoapSinkConfig.KEYSTORE_PASS, "ks-pass-e2e");
        c.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.store"), storeType, "ts-pass-e2e",
                "root", ca.certificate()).toString());
        c.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-pass-e2e");
        runAndSend(c, 3);
        assertThat(server.received().get(0).peer()).isInstanceOf(X509CertPath.class);
        assertThat(server.received().get(0).peer().getName()).contains("CN=coap-sink");
    }

    @Test
    void wrongPskFailsTheTaskSaysWhyAndLeaksNoSecret() throws Exception {
        server = DtlsTestServer.builder().psk("sink-1", "the-right-secret").start();
        Map<String, String> c = config("secure/psk");
        c.put(CoapSinkConfig.USERNAME, "sink-1");
        c.put(CoapSinkConfig.PASSWORD, "wrong-secret-zz9");
        c.put(CoapSinkConfig.KEYSTORE_PASS, "unused-ks-pass-zz9");
        c.put(CoapSinkConfig.TRUSTSTORE_PASS, "unused-ts-pass-zz9");
        c.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "5000");
        c.put(CoapSinkConfig.ACK_TIMEOUT_MS, "200");
        try (LogCapture logs = LogCapture.start()) {
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 1, WAIT);
            kafka.send(topic, null, "{\"seq\":0}");
            ConnectRestClient.TaskStatus failed = connect.awaitTaskFailed(name, 0, WAIT);
            assertThat(failed.trace()).contains("DTLS handshake with 127.0.0.1:" + server.port())
                    .contains("wrong PSK identity or secret?");
            assertThat(server.received()).isEmpty();
            String everything = logs.all() + failed.trace() + connect.connectorStatus(name);
            for (String secret : new String[] {"wrong-secret-zz9", "unused-ks-pass-zz9", "unused-ts-pass-zz9"}) {
                assertThat(everything).doesNotContain(secret);
            }
        }
        assertThat(sink.committed(topic, 0)).isZero();
    }

    @Test
    void validateNamesAMissingKeyFile() throws Exception {
        server = DtlsTestServer.builder().psk("sink-1", "x").start();
        Map<String, String> c = config("secure/rpk");
        c.put(CoapSinkConfig.PRIVATE_KEY_FILE, dir.resolve("nope.key").toString());
        c.put(CoapSinkConfig.PUBLIC_KEY_FILE, dir.resolve("nope.pub").toString());
        c.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, dir.resolve("server.pub").toString());
        ConnectRestClient.ConfigValidation result = connect.validate("CoapSinkConnector", c);
        assertThat(result.errorsFor(CoapSinkConfig.PRIVATE_KEY_FILE))
                .anySatisfy(e -> assertThat(e).contains("nope.key").contains("does not exist"));
    }
}
