package io.github.coapsink.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The validate-time check of the DTLS credentials (moved here from CrossChecks with the loading code). */
class DtlsCredentialsTest {

    private static Map<String, String> problems(Map<String, String> props) {
        return DtlsCredentials.problems(new CoapSinkConfig(props));
    }

    @Test
    void pskNeedsIdentityAndSecret() {
        Map<String, String> props = DtlsProps.base("coaps://localhost:5684");
        props.put("connect.coap.username", "sink");
        assertThat(problems(props)).containsKey("connect.coap.password");
        props.remove("connect.coap.username");
        props.put("connect.coap.password", "secret");
        assertThat(problems(props)).containsKey("connect.coap.username");
        assertThat(problems(props).toString()).doesNotContain("secret,").doesNotContain("=secret");
    }

    @Test
    void coapNeedsNoCredentials() {
        Map<String, String> props = DtlsProps.base("coap://localhost:5683");
        props.put("connect.coap.username", "sink");
        assertThat(problems(props)).isEmpty();
    }
}
