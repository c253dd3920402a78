package io.github.coapsink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.CoapSinkConnector;
import io.github.coapsink.dtls.DtlsCredentials;
import io.github.coapsink.dtls.TestPki;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DTLS keys and the cross checks that validate shows against the key to fix. */
class DtlsConfigTest {

    @TempDir
    Path dir;

    private static Map<String, String> props(String uri) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO sensors SELECT * FROM readings");
        p.put("topics", "readings");
        return p;
    }

    private static Map<String, List<String>> errors(Map<String, String> props) {
        return new CoapSinkConnector().validate(props).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void connectionIdLengthIsOffByDefaultAndBoundedByWhatTheExtensionCarries() {
        assertThat(new CoapSinkConfig(props("coaps://127.0.0.1")).dtlsConnectionIdLength()).isZero();
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, "8");
        assertThat(new CoapSinkConfig(p).dtlsConnectionIdLength()).isEqualTo(8);
        for (String bad : List.of("-1", "256", "eight")) {
            p.put(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH, bad);
            assertThat(errors(p)).containsOnlyKeys(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH);
            assertThatThrownBy(() -> new CoapSinkConfig(p)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH);
        }
    }

    @Test
    void newKeysHaveDefaultsGroupAndDocs() {
        CoapSinkConfig config = new CoapSinkConfig(props("coaps://127.0.0.1"));
        assertThat(config.dtlsCipherSuites()).containsExactly("TLS_PSK_WITH_AES_128_CCM_8",
                "TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(config.verifyServerHostname()).isTrue();
        assertThat(config.insecureTrustAll()).isFalse();
        assertThat(config.serverPublicKeyFile()).isNull();
        ConfigDef def = CoapSinkConfig.configDef();
        for (String key : List.of(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, CoapSinkConfig.DTLS_CIPHER_SUITES,
                CoapSinkConfig.DTLS_VERIFY_SERVER_HOSTNAME, CoapSinkConfig.DTLS_INSECURE_TRUST_ALL,
                CoapSinkConfig.DTLS_CONNECTION_ID_LENGTH)) {
            ConfigDef.ConfigKey k = def.configKeys().get(key);
            assertThat(k.group).isEqualTo(CoapSinkConfig.GROUP_SECURITY);
            assertThat(k.displayName).isNotBlank();
            assertThat(k.documentation).isNotBlank();
        }
        assertThat(def.configKeys().get(CoapSinkConfig.PASSWORD).type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().get(CoapSinkConfig.KEYSTORE_PASS).type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().get(CoapSinkConfig.TRUSTSTORE_PASS).type).isEqualTo(ConfigDef.Type.PASSWORD);
    }

    @Test
    void cipherSuiteValidatorListsTheAllowedNames() {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.DTLS_CIPHER_SUITES, "TLS_PSK_WITH_AES_128_CCM_8,TLS_RSA_WITH_RC4");
        assertThatThrownBy(() -> new CoapSinkConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown or unsupported cipher suites [TLS_RSA_WITH_RC4]; allowed: [")
                .hasMessageContaining("TLS_PSK_WITH_AES_128_CBC_SHA256")
                .hasMessageContaining("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256");
        assertThat(DtlsCipherSuites.allowed()).doesNotContain(CipherSuite.TLS_NULL_WITH_NULL_NULL,
                CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        p.put(CoapSinkConfig.DTLS_CIPHER_SUITES, "tls_psk_with_aes_128_ccm_8");
        assertThat(DtlsCipherSuites.parse(new CoapSinkConfig(p).dtlsCipherSuites()))
                .containsExactly(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
    }

    @Test
    void coapsWithoutAnyCredentialsNamesTheKeysToSet() {
        assertThat(errors(props("coaps://127.0.0.1"))).containsOnlyKeys(CoapSinkConfig.URI)
                .extractingByKey(CoapSinkConfig.URI).asList().containsExactly(
                        "coaps:// needs DTLS credentials: set connect.coap.username and connect.coap.password (PSK), "
                                + "or connect.coap.truststore.path or connect.coap.server.public.key.file to verify "
                                + "the server's certificate or raw public key");
    }

    @Test
    void pskNeedsBothHalves() {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        assertThat(errors(p)).containsEntry(CoapSinkConfig.PASSWORD, List.of(
                "is required when connect.coap.username is set: PSK needs both the identity and its secret"));
    }

    @Test
    void dtlsSettingsOnAPlainCoapUriAreNamedForAWarningButAccepted() {
        Map<String, String> p = props("coap://127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "secret-1");
        assertThat(errors(p)).isEmpty();
        assertThat(CrossChecks.ignoredDtlsSettings(new CoapSinkConfig(p)))
                .containsExactly(CoapSinkConfig.USERNAME, CoapSinkConfig.PASSWORD);
        // The old defaults of the store passwords and alias alone are not "settings".
        assertThat(CrossChecks.ignoredDtlsSettings(new CoapSinkConfig(props("coap://127.0.0.1")))).isEmpty();
        p.put(CoapSinkConfig.URI, "coaps://127.0.0.1");
        assertThat(CrossChecks.ignoredDtlsSettings(new CoapSinkConfig(p))).isEmpty();
    }

    @Test
    void privateKeyWithoutPublicKey() throws Exception {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("k.pem"), TestPki.ec().getPrivate()).toString());
        p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
        assertThat(errors(p)).containsEntry(CoapSinkConfig.PUBLIC_KEY_FILE, List.of("is required when "
                + "connect.coap.private.key.file is set: a raw public key identity needs both halves of the key pair"));
    }

    @Test
    void certificateIdentityWithoutTrust() throws Exception {
        Map<String, String> p = props("coaps://127.0.0.1");
        var keys = TestPki.ec();
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("k.pem"), keys.getPrivate()).toString());
        p.put(CoapSinkConfig.PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("p.pem"), keys).toString());
        assertThat(errors(p)).containsOnlyKeys(CoapSinkConfig.PRIVATE_KEY_FILE)
                .extractingByKey(CoapSinkConfig.PRIVATE_KEY_FILE).asList().singleElement().asString()
                .startsWith("gives the sink a certificate identity, but nothing says which server to trust");
    }

    @Test
    void missingFilesAndUnknownTrustAliasesNameKeyAndPath() throws Exception {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.TRUSTSTORE_PATH, dir.resolve("missing.p12").toString());
        assertThat(errors(p)).containsEntry(CoapSinkConfig.TRUSTSTORE_PATH, List.of(dir.resolve("missing.p12")
                + " does not exist (the file must be on every worker that runs a task)"));

        Path trust = TestPki.trustStore(dir.resolve("t.p12"), "PKCS12", "rootPass", "root", TestPki.ca("CA").certificate());
        p.put(CoapSinkConfig.TRUSTSTORE_PATH, trust.toString());
        p.put(CoapSinkConfig.CERTS, "root,gone");
        assertThat(errors(p)).containsEntry(CoapSinkConfig.CERTS, List.of("names [gone], which are not certificates "
                + "in the trust store " + trust + "; it holds [root]"));
        p.put(CoapSinkConfig.CERTS, "root");
        assertThat(errors(p)).isEmpty();
    }

    @Test
    void pemKeysAndKeystoreTogetherAreContradictory() throws Exception {
        Map<String, String> p = props("coaps://127.0.0.1");
        var keys = TestPki.ec();
        p.put(CoapSinkConfig.PRIVATE_KEY_FILE, TestPki.writePrivateKey(dir.resolve("k.pem"), keys.getPrivate()).toString());
        p.put(CoapSinkConfig.PUBLIC_KEY_FILE, TestPki.writePublicKey(dir.resolve("p.pem"), keys).toString());
        p.put(CoapSinkConfig.KEYSTORE_PATH, dir.resolve("k.p12").toString());
        p.put(CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, "true");
        assertThat(errors(p)).containsOnlyKeys(CoapSinkConfig.KEYSTORE_PATH);
    }

    @Test
    void suitesThatDoNotFitTheIdentity() {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "secret-1");
        p.put(CoapSinkConfig.DTLS_CIPHER_SUITES, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8");
        assertThat(errors(p)).containsEntry(CoapSinkConfig.DTLS_CIPHER_SUITES, List.of("has no PSK cipher suite, but "
                + "connect.coap.username is set; add e.g. TLS_PSK_WITH_AES_128_CCM_8"));
    }

    @Test
    void secretsNeverShowInToStringOrValues() {
        Map<String, String> p = props("coaps://127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-1");
        p.put(CoapSinkConfig.PASSWORD, "psk-SECRET-42");
        p.put(CoapSinkConfig.KEYSTORE_PASS, "ks-SECRET-42");
        p.put(CoapSinkConfig.TRUSTSTORE_PASS, "ts-SECRET-42");
        CoapSinkConfig config = new CoapSinkConfig(p);
        String all = config + " " + config.values() + " " + DtlsCredentials.load(config);
        assertThat(all).doesNotContain("SECRET-42").contains("[hidden]");
    }
}
