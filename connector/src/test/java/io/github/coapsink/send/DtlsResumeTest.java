package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Asking for a DTLS resumption (what the sender does when a server goes silent) must not make the sender deaf.
 * Scandium's {@code forceResumeSessionFor} marks the connection and discards every record the server sends until
 * the next message goes out; a request the server already acknowledged is not retransmitted, so its separate
 * response was lost and the request timed out. The sender now lets the next outgoing request carry the handshake.
 */
@Timeout(60)
class DtlsResumeTest {

    private final List<String> received = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private CoapServer server;

    @AfterEach
    void stop() {
        later.shutdownNow();
        if (server != null) {
            server.destroy();
        }
    }

    private int startServer() {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
        c.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
        AdvancedMultiPskStore psk = new AdvancedMultiPskStore();
        psk.setKey("sink-resume", "psk-secret-resume".getBytes(StandardCharsets.UTF_8));
        DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", 0)).setAdvancedPskStore(psk).build());
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(c).setConnector(connector).build();
        server = new CoapServer(c);
        server.addEndpoint(endpoint);
        server.add(new CoapResource("slow") {
            @Override
            public void handlePUT(CoapExchange exchange) {
                received.add(exchange.getRequestText());
                exchange.accept(); // empty ACK now: the request is not retransmitted
                later.schedule(() -> exchange.respond(ResponseCode.CHANGED), 800, TimeUnit.MILLISECONDS);
            }
        }, new CoapResource("fast") {
            @Override
            public void handlePUT(CoapExchange exchange) {
                exchange.respond(ResponseCode.CHANGED);
            }
        });
        server.start();
        return endpoint.getAddress().getPort();
    }

    private static OutgoingRequest put(String resource) {
        return new OutgoingRequest(resource, OutgoingRequest.Method.PUT, "{}".getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void aSeparateResponseArrivingAfterAResumptionWasAskedForIsNotLost() throws Exception {
        int port = startServer();
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, "coaps://127.0.0.1:" + port);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO fast SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-resume");
        p.put(CoapSinkConfig.PASSWORD, "psk-secret-resume");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "3000");
        try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(p))) {
            assertThat(sender.send(put("fast")).toCompletableFuture().get(10, TimeUnit.SECONDS).delivered()).isTrue();
            CompletableFuture<SendResult> slow = sender.send(put("slow")).toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
            // the server went quiet for a moment, so the sender asks for a resumption; nothing else is sent
            sender.pool.slots().get(0).handshakeOnNextSend();
            SendResult result = slow.get(10, TimeUnit.SECONDS);
            assertThat(result.delivered()).as(result.detail()).isTrue();
            // the next request carries the handshake and is answered in the resumed session
            assertThat(sender.send(put("fast")).toCompletableFuture().get(10, TimeUnit.SECONDS).delivered()).isTrue();
        }
    }
}
