package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The openssl/keytool commands of docs/dtls.md, run as written, and their files used by the sink. */
class DtlsDocsCommandsTest {

    @TempDir
    Path dir;

    private void sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-ec", script).directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void rawPublicKeyFilesFromOpenssl() throws Exception {
        sh("""
                openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sink-key.pem
                openssl pkey -in sink-key.pem -pubout -out sink-pub.pem
                openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-key.pem
                openssl pkey -in server-key.pem -pubout -out server-pub.pem
                """);
        KeyPair serverKeys = new KeyPair(publicKey(dir.resolve("server-pub.pem")), privateKey(dir.resolve("server-key.pem")));
        try (DtlsTestServer server = DtlsTestServer.builder().rawPublicKey(serverKeys).requireClientAuth().start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.PRIVATE_KEY_FILE, dir.resolve("sink-key.pem").toString());
            p.put(CoapSinkConfig.PUBLIC_KEY_FILE, dir.resolve("sink-pub.pem").toString());
            p.put(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, dir.resolve("server-pub.pem").toString());
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "rpk", "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
        }
    }

    @Test
    void x509StoresFromOpensslAndKeytool() throws Exception {
        sh("""
                openssl ecparam -name prime256v1 -genkey -noout -out ca.key
                openssl req -x509 -new -key ca.key -subj "/CN=My CoAP CA" -days 3650 -out ca.pem \\
                  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
                openssl ecparam -name prime256v1 -genkey -noout -out server.key
                openssl req -new -key server.key -subj "/CN=coap-server" -out server.csr
                printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:coap.example.com,IP:127.0.0.1\\n' > server.ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -extfile server.ext -out server.pem
                openssl pkcs8 -topk8 -nocrypt -in server.key -out server-pkcs8.key
                openssl ecparam -name prime256v1 -genkey -noout -out sink.key
                openssl req -new -key sink.key -subj "/CN=coap-sink" -out sink.csr
                printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n' > sink.ext
                openssl x509 -req -in sink.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -extfile sink.ext -out sink.pem
                openssl pkcs12 -export -name client -inkey sink.key -in sink.pem -certfile ca.pem -passout pass:changeit -out sink.p12
                keytool -importcert -noprompt -alias my-ca -file ca.pem -keystore truststore.jks -storetype JKS -storepass changeit
                """);
        X509Certificate ca = certificate(dir.resolve("ca.pem"));
        X509Certificate serverCert = certificate(dir.resolve("server.pem"));
        KeyPair serverKeys = new KeyPair(serverCert.getPublicKey(), privateKey(dir.resolve("server-pkcs8.key")));
        try (DtlsTestServer server = DtlsTestServer.builder().certificate(serverKeys, serverCert, ca)
                .requireClientAuth(ca).start()) {
            Map<String, String> p = base(server.uri());
            p.put(CoapSinkConfig.KEYSTORE_PATH, dir.resolve("sink.p12").toString());
            p.put(CoapSinkConfig.KEYSTORE_PASS, "changeit");
            p.put(CoapSinkConfig.CERT_CHAIN_KEY, "client");
            p.put(CoapSinkConfig.TRUSTSTORE_PATH, dir.resolve("truststore.jks").toString());
            p.put(CoapSinkConfig.TRUSTSTORE_PASS, "changeit");
            p.put(CoapSinkConfig.CERTS, "my-ca");
            try (CaliforniumSender sender = start(p)) {
                SendResult result = put(sender, "x509", "{}");
                assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
            assertThat(server.received()).singleElement().satisfies(r ->
                    assertThat(r.peer().getName()).contains("CN=coap-sink"));
        }
    }

    private static byte[] der(Path pem) throws Exception {
        String text = Files.readString(pem);
        String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static PrivateKey privateKey(Path pem) throws Exception {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(pem)));
    }

    private static PublicKey publicKey(Path pem) throws Exception {
        return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der(pem)));
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
