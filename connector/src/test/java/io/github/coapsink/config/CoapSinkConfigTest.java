package io.github.coapsink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.encode.PlainStringPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CoapSinkConfigTest {

    /** The old connector's QuickStart properties, unchanged but for connector.class. */
    static Map<String, String> seedProps() {
        Map<String, String> props = new HashMap<>();
        props.put("name", "coap-sink");
        props.put("tasks.max", "1");
        props.put("connector.class", "CoapSinkConnector");
        props.put("connect.coap.uri", "coap://localhost:5683");
        props.put("connect.coap.kcql", "INSERT INTO unsecure SELECT * FROM coap_topic");
        props.put("topics", "coap_topic");
        return props;
    }

    @Test
    void seedPropertiesWorkAndDefaultsAreDocumentedOnes() {
        CoapSinkConfig config = new CoapSinkConfig(seedProps());
        assertThat(config.uri().toString()).isEqualTo("coap://localhost:5683");
        assertThat(config.secure()).isFalse();
        assertThat(config.routes()).hasSize(1);
        assertThat(config.routes().get(0).topic()).isEqualTo("coap_topic");
        assertThat(config.routes().get(0).resource()).isEqualTo("unsecure");
        assertThat(config.errorPolicy()).isEqualTo(ErrorPolicy.THROW);
        assertThat(config.maxRetries()).isEqualTo(20);
        assertThat(config.retryInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.bindHost()).isEmpty();
        assertThat(config.bindPort()).isZero();
        assertThat(config.method()).isEqualTo(RequestMethod.PUT);
        assertThat(config.confirmable()).isTrue();
        assertThat(config.tombstonePolicy()).isEqualTo(TombstonePolicy.SKIP);
        assertThat(config.plainStringPolicy()).isEqualTo(PlainStringPolicy.FAIL);
        assertThat(config.ordering()).isEqualTo(Ordering.PARTITION_RESOURCE);
        assertThat(config.progressEnabled()).isFalse();
        assertThat(config.certChainAlias()).isEqualTo("client");
        assertThat(config.trustedCertAliases()).isEmpty();
        assertThat(config.keystorePassword().value()).isEqualTo("rootPass");
    }

    @Test
    void everySeedKeyIsDefined() {
        ConfigDef def = CoapSinkConfig.configDef();
        for (String key : new String[] {"connect.coap.uri", "connect.coap.kcql", "connect.coap.port",
                "connect.coap.host", "connect.coap.username", "connect.coap.password", "connect.coap.public.key.file",
                "connect.coap.private.key.file", "connect.coap.keystore.path", "connect.coap.keystore.pass",
                "connect.coap.truststore.path", "connect.coap.truststore.pass", "connect.coap.certs",
                "connect.coap.cert.chain.key", "connect.coap.error.policy", "connect.coap.max.retries",
                "connect.coap.max.retires", "connect.coap.retry.interval", "connect.progress.enabled"}) {
            assertThat(def.configKeys()).containsKey(key);
        }
        assertThat(def.configKeys().get("connect.coap.password").type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().get("connect.coap.keystore.pass").type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().get("connect.coap.truststore.pass").type).isEqualTo(ConfigDef.Type.PASSWORD);
        def.configKeys().values().forEach(k -> {
            assertThat(k.group).as(k.name + " group").isNotBlank();
            assertThat(k.displayName).as(k.name + " display name").isNotBlank();
            assertThat(k.documentation).as(k.name + " docs").isNotBlank();
        });
    }

    @Test
    void policiesAreCaseInsensitiveLikeTheOldConnector() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.error.policy", "retry");
        props.put("connect.coap.method", "post");
        props.put("connect.coap.tombstone.policy", "Delete");
        CoapSinkConfig config = new CoapSinkConfig(props);
        assertThat(config.errorPolicy()).isEqualTo(ErrorPolicy.RETRY);
        assertThat(config.method()).isEqualTo(RequestMethod.POST);
        assertThat(config.tombstonePolicy()).isEqualTo(TombstonePolicy.DELETE);
    }

    @Test
    void misspeltRetriesKeyIsAnAlias() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.max.retires", "7");
        assertThat(new CoapSinkConfig(props).maxRetries()).isEqualTo(7);
    }

    @Test
    void misspeltAndCorrectRetriesKeysMustAgree() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.max.retires", "7");
        props.put("connect.coap.max.retries", "8");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("connect.coap.max.retires").hasMessageContaining("conflicts with connect.coap.max.retries");
        props.put("connect.coap.max.retries", "7");
        assertThat(new CoapSinkConfig(props).maxRetries()).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:5683", "localhost:5683", "coap://", "coap://host:5683/x?y=1", "coap://a b"})
    void badUrisNameTheKey(String uri) {
        Map<String, String> props = seedProps();
        props.put("connect.coap.uri", uri);
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("connect.coap.uri");
    }

    @Test
    void uriWithBasePathAndCoapsScheme() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.uri", "COAPS://[::1]:5684/api/v1");
        CoapSinkConfig config = new CoapSinkConfig(props);
        assertThat(config.secure()).isTrue();
        assertThat(config.uri().getPath()).isEqualTo("/api/v1");
    }

    @Test
    void unknownPolicyListsTheChoices() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.error.policy", "IGNORE");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("connect.coap.error.policy").hasMessageContaining("[THROW, NOOP, RETRY]");
    }

    @Test
    void badKcqlIsReportedAgainstTheKcqlKey() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.kcql", "INSERT INTO x SELEC * FROM t");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("connect.coap.kcql").hasMessageContaining("position");
    }

    @Test
    void secretsAreHiddenInToString() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.password", "s3cr3t-psk");
        props.put("connect.coap.username", "sink");
        props.put("connect.coap.keystore.pass", "ks-secret");
        CoapSinkConfig config = new CoapSinkConfig(props);
        assertThat(config.toString()).doesNotContain("s3cr3t-psk").doesNotContain("ks-secret");
        assertThat(config.values().toString()).doesNotContain("s3cr3t-psk").doesNotContain("ks-secret");
        assertThat(config.pskSecret().value()).isEqualTo("s3cr3t-psk");
    }

    @Test
    void rangesAreEnforced() {
        Map<String, String> props = seedProps();
        props.put("connect.coap.port", "70000");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).hasMessageContaining("connect.coap.port");
        props.put("connect.coap.port", "0");
        props.put("connect.coap.max.in.flight", "0");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).hasMessageContaining("connect.coap.max.in.flight");
    }

    @Test
    void batchMaxBytesDefaultsToOneCoapMessageAndMayNotExceedTheMaximumPayload() {
        CoapSinkConfig defaults = new CoapSinkConfig(seedProps());
        assertThat(defaults.batchMaxBytes()).isEqualTo(CoapSinkConfig.SINGLE_MESSAGE_BYTES);
        assertThat(defaults.batchLinger()).isEqualTo(Duration.ZERO);
        assertThat(io.github.coapsink.send.EndpointFactory.californiumConfiguration(defaults)
                .get(org.eclipse.californium.core.config.CoapConfig.MAX_MESSAGE_SIZE))
                .as("the sender's single-message size, below which a request does not go block-wise")
                .isEqualTo(CoapSinkConfig.SINGLE_MESSAGE_BYTES);

        Map<String, String> props = seedProps();
        props.put(CoapSinkConfig.MAX_PAYLOAD_BYTES, "500");
        assertThat(new CoapSinkConfig(props).batchMaxBytes()).as("the default never exceeds the payload cap")
                .isEqualTo(500);
        props.put(CoapSinkConfig.BATCH_MAX_BYTES, "501");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigKeyException.class)
                .hasMessageContaining(CoapSinkConfig.BATCH_MAX_BYTES)
                .hasMessageContaining(CoapSinkConfig.MAX_PAYLOAD_BYTES + "=500");
        props.put(CoapSinkConfig.BATCH_MAX_BYTES, "0");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).hasMessageContaining(CoapSinkConfig.BATCH_MAX_BYTES);
        props.put(CoapSinkConfig.BATCH_MAX_BYTES, "200");
        props.put(CoapSinkConfig.BATCH_LINGER_MS, "-1");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).hasMessageContaining(CoapSinkConfig.BATCH_LINGER_MS);
        props.put(CoapSinkConfig.BATCH_LINGER_MS, "25");
        CoapSinkConfig set = new CoapSinkConfig(props);
        assertThat(set.batchMaxBytes()).isEqualTo(200);
        assertThat(set.batchLinger()).isEqualTo(Duration.ofMillis(25));
    }

    @Test
    void validateNamesBatchMaxBytesWhenItExceedsTheMaximumPayload() {
        Map<String, String> props = seedProps();
        props.put("connector.class", "io.github.coapsink.CoapSinkConnector");
        props.put(CoapSinkConfig.MAX_PAYLOAD_BYTES, "500");
        props.put(CoapSinkConfig.BATCH_MAX_BYTES, "2000");
        var errors = new io.github.coapsink.CoapSinkConnector().validate(props).configValues().stream()
                .filter(v -> v.name().equals(CoapSinkConfig.BATCH_MAX_BYTES))
                .flatMap(v -> v.errorMessages().stream()).toList();
        assertThat(errors).singleElement().asString().contains("lower it");
    }

    @Test
    void docsListEveryKeyWithItsDefault() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CoapSinkConfig.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String docs = out.toString(StandardCharsets.UTF_8);
        CoapSinkConfig.configDef().configKeys().keySet().forEach(k -> assertThat(docs).contains("`" + k + "`"));
        assertThat(docs).contains("| `connect.coap.retry.interval` | int | `60000` |");
        assertThat(docs).contains("`connect.coap.uri` | string | (required)");
        assertThat(docs).doesNotContain("rootPass |");
    }
}
