package io.github.coapsink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossChecksTest {

    private static Map<String, String> check(Map<String, String> props) {
        return CrossChecks.check(new CoapSinkConfig(props), props);
    }

    @Test
    void seedConfigurationIsConsistent() {
        assertThat(check(CoapSinkConfigTest.seedProps())).isEmpty();
    }

    @Test
    void everyTopicNeedsARoute() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("topics", "coap_topic, other_topic");
        assertThat(check(props)).containsOnlyKeys("connect.coap.kcql");
        assertThat(check(props).get("connect.coap.kcql")).contains("[other_topic]")
                .contains("INSERT INTO <resource> SELECT * FROM other_topic");
    }

    @Test
    void everyRouteNeedsItsTopic() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic; INSERT INTO b SELECT * FROM extra");
        assertThat(check(props).get("connect.coap.kcql")).contains("[extra]").contains("not in 'topics'");
    }

    @Test
    void topicsRegexMustMatchEveryRoutedTopic() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.remove("topics");
        props.put("topics.regex", "coap_.*");
        assertThat(check(props)).isEmpty();
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic; INSERT INTO b SELECT * FROM metrics");
        assertThat(check(props).get("connect.coap.kcql")).contains("[metrics]").contains("topics.regex");
    }

    /** Issue 9.10: with a fixed port every task binds its own range, which must stay below 65536. */
    @Test
    void aFixedPortLeavesRoomForEveryTasksEndpoints() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.port", "65000");
        props.put("connect.coap.endpoints", "16");
        props.put("tasks.max", "2");
        assertThat(check(props)).isEmpty();
        props.put("tasks.max", "40");
        assertThat(check(props)).containsOnlyKeys("connect.coap.port");
        assertThat(check(props).get("connect.coap.port")).contains("tasks.max=40").contains("65000 to 65639")
                .contains("use port 0");
    }

    @Test
    void bytesAndTextTakeNoProjection() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.kcql", "INSERT INTO a SELECT temp FROM coap_topic STOREAS BYTES");
        assertThat(check(props)).containsOnlyKeys("connect.coap.kcql");
        assertThat(check(props).get("connect.coap.kcql")).contains("'coap_topic'").contains("STOREAS BYTES")
                .contains("SELECT *");
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic IGNORE x");
        props.put("connect.coap.payload.format", "text");
        assertThat(check(props).get("connect.coap.kcql")).contains("connect.coap.payload.format=TEXT");
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic IGNORE x STOREAS CBOR");
        assertThat(check(props)).as("STOREAS wins over the key").isEmpty();
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic");
        assertThat(check(props)).isEmpty();
    }

    @Test
    void bytesAndTextCannotBeBatched() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.batch.max.records", "10");
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic STOREAS SENML_CBOR");
        assertThat(check(props)).isEmpty();
        props.put("connect.coap.kcql", "INSERT INTO a SELECT * FROM coap_topic STOREAS TEXT");
        assertThat(check(props)).containsOnlyKeys("connect.coap.batch.max.records");
        assertThat(check(props).get("connect.coap.batch.max.records")).contains("TEXT")
                .contains("connect.coap.batch.max.records=1");
    }

    @Test
    void senmlNeedsABaseNameRfc8428Allows() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.kcql", "INSERT INTO \"room 1\" SELECT * FROM coap_topic STOREAS SENML_JSON");
        assertThat(check(props)).containsOnlyKeys("connect.coap.senml.base.name");
        assertThat(check(props).get("connect.coap.senml.base.name")).contains("'room 1/'").contains("' '");
        props.put("connect.coap.senml.base.name", "room1:");
        assertThat(check(props)).isEmpty();
        props.put("connect.coap.senml.base.name", "");
        assertThat(check(props)).isEmpty();
        props.put("connect.coap.senml.base.name", "/room1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CoapSinkConfig(props))
                .hasMessageContaining("connect.coap.senml.base.name").hasMessageContaining("start with a letter or digit");
    }
}
