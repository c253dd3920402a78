package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testserver.CoapTestServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's host name is looked up when the task starts and again when that failed or a request failed (at
 * most every few seconds): a name that does not resolve (yet) is a retriable failure, not a failed task, and a
 * changed address is picked up.
 */
@Timeout(60)
class ServerResolutionTest {

    private static Map<String, String> props(String uri) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "1000");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "200");
        return p;
    }

    private static SendResult put(CaliforniumSender sender) throws Exception {
        return sender.send(new OutgoingRequest("r", OutgoingRequest.Method.PUT, "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                true)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void anUnresolvableHostIsARetriableSendFailureNamingTheHostAndTheKey() throws Exception {
        String uri = "coap://no-such-host.invalid:5683/api";
        try (LogCapture logs = LogCapture.start();
                CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(props(uri)))) {
            SendResult result = put(sender);
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(result.detail()).startsWith("Cannot resolve the CoAP server host 'no-such-host.invalid' of "
                    + "connect.coap.uri=" + uri).contains("PUT no-such-host.invalid:5683/api/r not sent");
            assertThat(logs.all()).contains("Cannot resolve the CoAP server host 'no-such-host.invalid' of connect.coap.uri");
        }
    }

    @Test
    void aSyntacticallyBadUriStillFailsAtOnce() {
        assertThatThrownBy(() -> CaliforniumSender.start(new CoapSinkConfig(props("coap://bad host:5683"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CoapSinkConfig.URI);
    }

    @Test
    void aHostThatResolvesLaterIsUsedOnceItDoes() throws Exception {
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").start()) {
            AtomicReference<InetAddress> answer = new AtomicReference<>();
            AtomicInteger lookups = new AtomicInteger();
            ServerAddress.Resolver resolver = host -> {
                lookups.incrementAndGet();
                assertThat(host).isEqualTo("sensors.example");
                InetAddress a = answer.get();
                if (a == null) {
                    throw new UnknownHostException(host + ": Name or service not known");
                }
                return a;
            };
            CaliforniumSender.Tuning tuning = new CaliforniumSender.Tuning(c -> { }, resolver, Duration.ofMillis(300));
            try (CaliforniumSender sender = CaliforniumSender.start(
                    new CoapSinkConfig(props("coap://sensors.example:" + server.plainPort())), tuning)) {
                for (int i = 0; i < 5; i++) {
                    SendResult failed = put(sender);
                    assertThat(failed.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                    assertThat(failed.detail()).contains("sensors.example").contains("Name or service not known");
                }
                assertThat(lookups.get()).as("bounded: not one lookup per request").isLessThanOrEqualTo(2);
                answer.set(InetAddress.getByName("127.0.0.1"));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> put(sender).delivered());
                assertThat(server.requests()).isNotEmpty()
                        .allSatisfy(r -> assertThat(r.payloadText()).isEqualTo("{\"a\":1}"));
            }
        }
    }

    @Test
    void anAddressChangeIsPickedUpAfterRequestsFail() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.getLocalPort();
        }
        try (CoapTestServer old = CoapTestServer.builder().host("127.0.0.1").port(port).start();
                CoapTestServer moved = CoapTestServer.builder().host("127.0.0.2").port(port).start();
                LogCapture logs = LogCapture.start()) {
            AtomicReference<InetAddress> answer = new AtomicReference<>(InetAddress.getByName("127.0.0.1"));
            CaliforniumSender.Tuning tuning = new CaliforniumSender.Tuning(c -> { }, host -> answer.get(),
                    Duration.ofMillis(300));
            Map<String, String> p = props("coap://device-7.example:" + port);
            p.put(CoapSinkConfig.HOST, "");
            try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(p), tuning)) {
                assertThat(put(sender).delivered()).isTrue();
                assertThat(old.requests()).hasSize(1);
                // the device moves: the old address stops answering, DNS has the new one
                old.stop();
                answer.set(InetAddress.getByName("127.0.0.2"));
                await().atMost(Duration.ofSeconds(20)).until(() -> put(sender).delivered());
                assertThat(moved.requests()).isNotEmpty();
                assertThat(logs.all()).contains("CoAP server host 'device-7.example' of connect.coap.uri now resolves to "
                        + "127.0.0.2 (was 127.0.0.1)");
            }
        }
    }
}
