package io.github.coapsink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.CoapSinkConnector;
import io.github.coapsink.response.ResponseSettings;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The connect.coap.response.* keys: their defaults, the producer's settings and the checks across keys. */
class ResponseConfigTest {

    private static Map<String, String> props() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.response.topic", "answers");
        props.put("connect.coap.response.producer.bootstrap.servers", "127.0.0.1:9092");
        return props;
    }

    private static Map<String, String> check(Map<String, String> props) {
        return CrossChecks.check(new CoapSinkConfig(props), props);
    }

    @Test
    void offByDefault() {
        assertThat(new CoapSinkConfig(CoapSinkConfigTest.seedProps()).responses()).isEmpty();
        assertThat(check(CoapSinkConfigTest.seedProps())).isEmpty();
    }

    @Test
    void theProducerGetsItsPrefixedKeysOverTheSinksDefaultsAndByteArraySerializers() {
        Map<String, String> props = props();
        props.put("connect.coap.response.producer.security.protocol", "SASL_SSL");
        props.put("connect.coap.response.producer.sasl.jaas.config", "secret-jaas");
        props.put("connect.coap.response.producer.linger.ms", "5");
        props.put("connect.coap.response.producer.value.serializer", "com.example.Nope");
        ResponseSettings settings = new CoapSinkConfig(props).responses().orElseThrow();
        assertThat(settings.topic()).isEqualTo("answers");
        assertThat(settings.producer()).containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("acks", "all").containsEntry("enable.idempotence", "true")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.jaas.config", "secret-jaas")
                .containsEntry("linger.ms", "5")
                .containsEntry("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        props.put("connect.coap.response.producer.acks", "1");
        assertThat(new CoapSinkConfig(props).responses().orElseThrow().producer()).containsEntry("acks", "1");
    }

    @Test
    void theProducersSecretsArePasswordsSoConnectMasksThem() {
        ConfigDef def = CoapSinkConfig.configDef();
        for (String secret : new String[] {"sasl.jaas.config", "ssl.keystore.password", "ssl.key.password",
                "ssl.truststore.password"}) {
            assertThat(def.configKeys().get("connect.coap.response.producer." + secret).type)
                    .as(secret).isEqualTo(ConfigDef.Type.PASSWORD);
        }
        Map<String, String> props = props();
        props.put("connect.coap.response.producer.ssl.truststore.password", "hunter2");
        CoapSinkConfig config = new CoapSinkConfig(props);
        assertThat(config.toString()).doesNotContain("hunter2");
        assertThat(config.responses().orElseThrow().producer()).containsEntry("ssl.truststore.password", "hunter2");
    }

    @Test
    void theBrokersAreRequired() {
        Map<String, String> props = props();
        props.remove("connect.coap.response.producer.bootstrap.servers");
        assertThat(check(props)).containsOnlyKeys("connect.coap.response.producer.bootstrap.servers");
        assertThat(check(props).get("connect.coap.response.producer.bootstrap.servers"))
                .contains("required with connect.coap.response.topic=answers").contains("bootstrap.servers");
        assertThat(new CoapSinkConnector().validate(props).configValues())
                .filteredOn(v -> v.name().equals("connect.coap.response.producer.bootstrap.servers"))
                .singleElement().satisfies(v -> assertThat(v.errorMessages()).singleElement().asString()
                        .contains("required"));
    }

    @Test
    void acksZeroIsRefused() {
        Map<String, String> props = props();
        props.put("connect.coap.response.producer.acks", "0");
        assertThat(check(props).get("connect.coap.response.producer.acks")).contains("acks=0").contains("all");
    }

    @Test
    void theSinkMustNotReadItsOwnAnswers() {
        Map<String, String> props = props();
        props.put("connect.coap.response.topic", "coap_topic");
        assertThat(check(props).get("connect.coap.response.topic")).contains("also a topic this connector reads");
        props.remove("topics");
        props.put("topics.regex", "coap_.*");
        props.put("connect.coap.response.topic", "coap_answers");
        assertThat(check(props).get("connect.coap.response.topic")).contains("also a topic this connector reads");
    }

    @Test
    void aBadCodeNamesTheKey() {
        Map<String, String> props = props();
        props.put("connect.coap.response.codes", "2.xx,oops");
        assertThatThrownBy(() -> new CoapSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("connect.coap.response.codes").hasMessageContaining("'oops'");
    }
}
