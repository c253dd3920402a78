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

    @Test
    void pskNeedsIdentityAndSecret() {
        Map<String, String> props = CoapSinkConfigTest.seedProps();
        props.put("connect.coap.uri", "coaps://localhost:5684");
        props.put("connect.coap.username", "sink");
        assertThat(check(props)).containsKey("connect.coap.password");
        props.remove("connect.coap.username");
        props.put("connect.coap.password", "secret");
        assertThat(check(props)).containsKey("connect.coap.username");
        assertThat(check(props).toString()).doesNotContain("secret,").doesNotContain("=secret");
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
}
