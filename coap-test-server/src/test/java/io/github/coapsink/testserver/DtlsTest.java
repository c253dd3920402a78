package io.github.coapsink.testserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.NewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DtlsTest {

    private static CoapTestServer server;
    private final List<CoapClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server = CoapTestServer.builder().port(-1).dtlsPort(0).psk("sink-1", "s3cret").start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(TestClients::close);
        server.clear();
    }

    private CoapClient pskClient(String identity, String secret) {
        CoapClient client = TestClients.dtls(server.dtlsUri() + "/secure", TestClients.config(2),
                b -> b.setAdvancedPskStore(new AdvancedSinglePskStore(identity, secret.getBytes(StandardCharsets.UTF_8))));
        clients.add(client);
        return client;
    }

    private CoapClient certificateClient(NewAdvancedCertificateVerifier verifier, KeyPair clientRpk) {
        Configuration config = TestClients.config(2);
        config.set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8));
        CoapClient client = TestClients.dtls(server.dtlsUri() + "/secure", config, b -> {
            b.setAdvancedCertificateVerifier(verifier);
            if (clientRpk != null) {
                b.setCertificateIdentityProvider(
                        new SingleCertificateProvider(clientRpk.getPrivate(), clientRpk.getPublic()));
            }
        });
        clients.add(client);
        return client;
    }

    @Test
    void onlyDtlsWhenPlainIsOff() {
        assertThat(server.plainPort()).isEqualTo(-1);
        assertThat(server.plainUri()).isNull();
        assertThat(server.dtlsUri()).isEqualTo("coaps://127.0.0.1:" + server.dtlsPort());
        assertThat(server.pskIdentity()).isEqualTo("sink-1");
        assertThat(server.dtlsCredentials().generated()).isTrue();
        assertThat(server.dtlsCertificateChain()).hasSize(1);
        assertThat(server.dtlsCredentials().describe()).contains(server.dtlsCredentials().publicKeyBase64())
                .contains("CN=coap-test-server").doesNotContain("PRIVATE");
    }

    @Test
    void pskWithTheRightIdentityIsRecordedWithIt() throws Exception {
        CoapResponse response = pskClient("sink-1", "s3cret").put("{\"a\":1}", MediaTypeRegistry.APPLICATION_JSON);
        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        ReceivedRequest request = server.requests("secure").get(0);
        assertThat(request.secure()).isTrue();
        assertThat(request.peerIdentity()).isEqualTo("sink-1");
        assertThat(request.payloadText()).isEqualTo("{\"a\":1}");
    }

    @Test
    void pskWithAWrongSecretFailsTheHandshake() {
        assertThat(TestClients.put(pskClient("sink-1", "wrong"), "x", 0)).isNull();
        assertThat(server.allRequests()).isEmpty();
    }

    @Test
    void generatedRawPublicKeyIsUsableByAnRpkClient() throws Exception {
        NewAdvancedCertificateVerifier trustServerRpk = StaticNewAdvancedCertificateVerifier.builder()
                .setTrustedRPKs(new RawPublicKeyIdentity(server.dtlsCredentials().publicKey())).build();
        KeyPair clientKey = ecKeyPair();
        CoapResponse response = certificateClient(trustServerRpk, clientKey).put("rpk", 0);
        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        ReceivedRequest request = server.requests("secure").get(0);
        assertThat(request.secure()).isTrue();
        assertThat(request.peerIdentity()).isEqualTo(new RawPublicKeyIdentity(clientKey.getPublic()).getName());
    }

    @Test
    void generatedSelfSignedCertificateIsUsableByAnX509Client() throws Exception {
        NewAdvancedCertificateVerifier trustServerCert = StaticNewAdvancedCertificateVerifier.builder()
                .setTrustedCertificates(server.dtlsCertificateChain().get(0)).build();
        CoapResponse response = certificateClient(trustServerCert, null).put("x509", 0);
        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.requests("secure")).singleElement().satisfies(r -> {
            assertThat(r.secure()).isTrue();
            assertThat(r.peerIdentity()).isNull(); // anonymous client
        });
    }

    @Test
    void untrustedServerKeyFailsTheHandshake() throws Exception {
        NewAdvancedCertificateVerifier trustOtherRpk = StaticNewAdvancedCertificateVerifier.builder()
                .setTrustedRPKs(new RawPublicKeyIdentity(ecKeyPair().getPublic())).build();
        assertThat(TestClients.put(certificateClient(trustOtherRpk, null), "x", 0)).isNull();
    }

    @Test
    void certificateFromPemFilesIsUsed(@TempDir Path dir) throws Exception {
        DtlsCredentials generated = DtlsCredentials.generate("127.0.0.1");
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, generated.certificatePem());
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(generated.privateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        DtlsCredentials loaded = DtlsCredentials.fromPem(certPem, keyPem);
        assertThat(loaded.generated()).isFalse();
        assertThat(loaded.certificateChain()).isEqualTo(generated.certificateChain());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(generated.privateKey().getEncoded());
        try (CoapTestServer pemServer = CoapTestServer.builder().port(-1).dtlsPort(0).certificate(certPem, keyPem)
                .start()) {
            assertThat(pemServer.dtlsCredentials().publicKey()).isEqualTo(generated.publicKey());
        }
    }

    @Test
    void dtlsRestartsOnTheSamePort() throws Exception {
        try (CoapTestServer restartable = CoapTestServer.builder().dtlsPort(0).psk("id", "pw").start()) {
            int plainPort = restartable.plainPort();
            int dtlsPort = restartable.dtlsPort();
            restartable.stop();
            restartable.start();
            assertThat(restartable.plainPort()).isEqualTo(plainPort);
            assertThat(restartable.dtlsPort()).isEqualTo(dtlsPort);
            CoapClient client = TestClients.dtls(restartable.dtlsUri() + "/r", TestClients.config(2),
                    b -> b.setAdvancedPskStore(new AdvancedSinglePskStore("id", "pw".getBytes(StandardCharsets.UTF_8))));
            clients.add(client);
            assertThat(client.put("back", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
            assertThat(restartable.requests("r")).singleElement().satisfies(r -> assertThat(r.peerIdentity()).isEqualTo("id"));
        }
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
