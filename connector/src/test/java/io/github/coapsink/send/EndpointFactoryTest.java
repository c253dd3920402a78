package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the sink's endpoints bind (issue 9.10: old configs with a fixed port or connect.coap.host=localhost). */
class EndpointFactoryTest {

    private static CoapSinkConfig config(String uri, Map<String, String> overrides) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        p.putAll(overrides);
        return new CoapSinkConfig(p);
    }

    @Test
    void aFixedPortGivesEachTaskItsOwnRange() {
        Map<String, String> base = Map.of(CoapSinkConfig.PORT, "40000", CoapSinkConfig.ENDPOINTS, "4",
                CoapSinkConfig.HOST, "127.0.0.1");
        Map<String, String> task1 = new HashMap<>(base);
        task1.put(CoapSinkConfig.TASK_INDEX, "1");
        assertThat(EndpointFactory.bindAddress(config("coap://127.0.0.1", base), 0).getPort()).isEqualTo(40000);
        assertThat(EndpointFactory.bindAddress(config("coap://127.0.0.1", base), 3).getPort()).isEqualTo(40003);
        assertThat(EndpointFactory.bindAddress(config("coap://127.0.0.1", task1), 0).getPort()).isEqualTo(40004);
        assertThat(EndpointFactory.bindAddress(config("coap://127.0.0.1", task1), 2).getPort()).isEqualTo(40006);
        task1.put(CoapSinkConfig.PORT, "0");
        assertThat(EndpointFactory.bindAddress(config("coap://127.0.0.1", task1), 2).getPort()).isZero();
    }

    @Test
    void aLoopbackBindHostIsKeptOnlyForALoopbackServer() {
        for (String loopback : new String[] {"localhost", "127.0.0.1", "::1", "[::1]"}) {
            Map<String, String> host = Map.of(CoapSinkConfig.HOST, loopback);
            assertThat(EndpointFactory.bindHost(config("coap://127.0.0.1:5683", host))).isEqualTo(loopback);
            assertThat(EndpointFactory.bindHost(config("coaps://localhost", host))).isEqualTo(loopback);
            // A remote server (a documentation address: nothing is sent, only the address is looked at).
            assertThat(EndpointFactory.bindHost(config("coap://192.0.2.10:5683", host))).isEmpty();
            assertThat(EndpointFactory.bindHost(config("coaps://[2001:db8::1]", host))).isEmpty();
        }
        InetSocketAddress any = EndpointFactory.bindAddress(config("coap://192.0.2.10",
                Map.of(CoapSinkConfig.HOST, "localhost")), 0);
        assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void aNonLoopbackBindHostIsKeptAsGiven() {
        assertThat(EndpointFactory.bindHost(config("coap://192.0.2.10", Map.of(CoapSinkConfig.HOST, "0.0.0.0"))))
                .isEqualTo("0.0.0.0");
        assertThat(EndpointFactory.bindHost(config("coap://192.0.2.10", Map.of()))).isEmpty();
    }
}
