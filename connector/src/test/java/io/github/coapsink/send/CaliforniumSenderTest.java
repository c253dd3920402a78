package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender against a real Californium server on loopback. */
class CaliforniumSenderTest {

    private final List<Request> received = new CopyOnWriteArrayList<>();
    private CoapServer server;
    private int port;
    private CaliforniumSender sender;

    private final class Recording extends CoapResource {
        private final ResponseCode answer;

        Recording(String name, ResponseCode answer) {
            super(name);
            this.answer = answer;
        }

        @Override
        public void handlePUT(CoapExchange exchange) {
            received.add(exchange.advanced().getRequest());
            exchange.respond(answer);
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            received.add(exchange.advanced().getRequest());
            exchange.respond(ResponseCode.CREATED);
        }

        @Override
        public void handleDELETE(CoapExchange exchange) {
            received.add(exchange.advanced().getRequest());
            exchange.respond(ResponseCode.DELETED);
        }
    }

    @BeforeEach
    void startServer() {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
        server = new CoapServer(config);
        server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build());
        CoapResource api = new CoapResource("api");
        CoapResource sensors = new Recording("sensors", ResponseCode.CHANGED);
        sensors.add(new Recording("room 1", ResponseCode.CHANGED));
        api.add(sensors);
        server.add(api, new Recording("ok", ResponseCode.CHANGED), new Recording("busy", ResponseCode.SERVICE_UNAVAILABLE),
                new Recording("bad", ResponseCode.BAD_REQUEST));
        server.start();
        port = server.getEndpoints().get(0).getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.close();
        }
        server.destroy();
    }

    private CaliforniumSender sender(String uri, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put(CoapSinkConfig.URI, uri);
        props.put(CoapSinkConfig.KCQL, "INSERT INTO ok SELECT * FROM t");
        props.put(CoapSinkConfig.HOST, "127.0.0.1");
        props.putAll(extra);
        sender = CaliforniumSender.start(new CoapSinkConfig(props));
        return sender;
    }

    private static SendResult await(java.util.concurrent.CompletionStage<SendResult> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void putIsDeliveredAsJsonWithContentFormat50() throws Exception {
        sender("coap://127.0.0.1:" + port, Map.of());
        SendResult result = await(sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.PUT,
                "{\"a\":1}".getBytes(), true)));
        assertThat(result.outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
        assertThat(result.responseCode()).isEqualTo("2.04");
        assertThat(received).hasSize(1);
        Request r = received.get(0);
        assertThat(r.getPayloadString()).isEqualTo("{\"a\":1}");
        assertThat(r.getOptions().getContentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_JSON);
        assertThat(r.isConfirmable()).isTrue();
        assertThat(sender.localAddress().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void basePathAndMultiSegmentResourcesWithSpaces() throws Exception {
        sender("coap://127.0.0.1:" + port + "/api/", Map.of());
        assertThat(await(sender.send(new OutgoingRequest("sensors/room 1", OutgoingRequest.Method.POST,
                "{}".getBytes(), true))).responseCode()).isEqualTo("2.01");
        assertThat(received.get(0).getOptions().getUriPath()).containsExactly("api", "sensors", "room 1");
    }

    @Test
    void clientErrorsArePermanentServerErrorsTransient() throws Exception {
        sender("coap://127.0.0.1:" + port, Map.of());
        SendResult bad = await(sender.send(new OutgoingRequest("bad", OutgoingRequest.Method.PUT, "{}".getBytes(), true)));
        assertThat(bad.outcome()).isEqualTo(SendResult.Outcome.PERMANENT);
        assertThat(bad.detail()).contains("4.00").contains("/bad");
        SendResult missing = await(sender.send(new OutgoingRequest("nope", OutgoingRequest.Method.PUT, "{}".getBytes(), true)));
        assertThat(missing.outcome()).isEqualTo(SendResult.Outcome.PERMANENT);
        assertThat(missing.responseCode()).isEqualTo("4.04");
        SendResult busy = await(sender.send(new OutgoingRequest("busy", OutgoingRequest.Method.PUT, "{}".getBytes(), true)));
        assertThat(busy.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
        assertThat(busy.responseCode()).isEqualTo("5.03");
        assertThat(busy.kind()).isEqualTo(SendResult.Kind.RESPONSE);
    }

    @Test
    void silentServerIsATransientTimeout() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            sender("coap://127.0.0.1:" + silent.getLocalPort(), Map.of(CoapSinkConfig.REQUEST_TIMEOUT_MS, "500",
                    CoapSinkConfig.ACK_TIMEOUT_MS, "100"));
            SendResult result = await(sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.PUT, "{}".getBytes(), true)));
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(result.detail()).contains("127.0.0.1:" + silent.getLocalPort());
            assertThat(result.kind()).isEqualTo(SendResult.Kind.TIMEOUT);
        }
    }

    /**
     * Only the request timeout can end these requests: Californium would first retransmit for minutes (ACK
     * timeout 60 s). So they fail unless every request's deadline is armed, and each fails with the timeout's own
     * message; the sender is left with nothing pending.
     */
    @Test
    void requestTimeoutEndsEveryRequestWhileCaliforniumWouldStillRetransmit() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            sender("coap://127.0.0.1:" + silent.getLocalPort(), Map.of(CoapSinkConfig.REQUEST_TIMEOUT_MS, "300",
                    CoapSinkConfig.ACK_TIMEOUT_MS, "60000"));
            List<java.util.concurrent.CompletableFuture<SendResult>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(sender.send(new OutgoingRequest("r" + i, OutgoingRequest.Method.PUT, "{}".getBytes(), true))
                        .toCompletableFuture());
            }
            for (int i = 0; i < results.size(); i++) {
                SendResult result = await(results.get(i));
                assertThat(result.kind()).isEqualTo(SendResult.Kind.TIMEOUT);
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                assertThat(result.detail()).isEqualTo("PUT 127.0.0.1:" + silent.getLocalPort() + "/r" + i
                        + " timed out after 300 ms");
            }
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> sender.pendingCount() == 0);
            // a request after the others timed out gets a deadline of its own (the sweep has gone idle meanwhile)
            SendResult later = await(sender.send(new OutgoingRequest("later", OutgoingRequest.Method.PUT,
                    "{}".getBytes(), true)));
            assertThat(later.detail()).endsWith("/later timed out after 300 ms");
        }
    }

    @Test
    void nonConfirmableCountsAsDeliveredOnceSent() throws Exception {
        sender("coap://127.0.0.1:" + port, Map.of());
        SendResult result = await(sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.PUT, "{}".getBytes(), false)));
        assertThat(result.outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> received.size() == 1);
        assertThat(received.get(0).isConfirmable()).isFalse();
    }

    @Test
    void concurrentBlockwiseBodiesToOneResourceAllArrive() throws Exception {
        sender("coap://127.0.0.1:" + port, Map.of());
        List<java.util.concurrent.CompletableFuture<SendResult>> results = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String body = "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(3000) + "\"}";
            results.add(sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.PUT, body.getBytes(), true))
                    .toCompletableFuture());
        }
        for (var r : results) {
            SendResult result = r.get(60, TimeUnit.SECONDS);
            assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
        }
        assertThat(received).hasSize(20);
        assertThat(received).allSatisfy(r -> assertThat(r.getPayloadSize()).isGreaterThan(3000));
    }

    @Test
    void deleteCarriesNoPayload() throws Exception {
        sender("coap://127.0.0.1:" + port, Map.of());
        SendResult result = await(sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.DELETE, new byte[0], true)));
        assertThat(result.responseCode()).isEqualTo("2.02");
        assertThat(received.get(0).getPayloadSize()).isZero();
    }

    @Test
    void closeCompletesWhatIsInFlight() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            sender("coap://127.0.0.1:" + silent.getLocalPort(), Map.of());
            var stage = sender.send(new OutgoingRequest("ok", OutgoingRequest.Method.PUT, "{}".getBytes(), true));
            sender.close();
            assertThat(await(stage).outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
        }
    }

    /**
     * Early retransmission: the datagram goes out again at once, byte for byte (same message ID), long before
     * Californium's own retransmission (ACK_TIMEOUT 60 s here), and only once.
     */
    @Test
    void aRequestDeemedLostIsSentAgainAtOnceWithItsMessageId() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            sender(silent.uri(), Map.of(CoapSinkConfig.ACK_TIMEOUT_MS, "60000", CoapSinkConfig.REQUEST_TIMEOUT_MS,
                    "120000"));
            java.util.concurrent.CompletionStage<SendResult> stage = sender.send(new OutgoingRequest("ok",
                    OutgoingRequest.Method.PUT, "{\"a\":1}".getBytes(), true));
            CoapSender.Resendable resendable = (CoapSender.Resendable) stage;
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> silent.count() == 1);
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(resendable::resendNow);
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> silent.count() == 2);
            assertThat(silent.datagrams().get(1)).isEqualTo(silent.datagrams().get(0));
            assertThat(resendable.resendNow()).as("once per request").isFalse();
            assertThat(silent.count()).isEqualTo(2);
            stage.toCompletableFuture().cancel(false);
            assertThat(resendable.resendNow()).isFalse();
        }
    }

    /**
     * The resent copy reaches a server that has the first one in hand: its de-duplication (same message ID) keeps
     * it from acting twice, and the request is answered once. A NON request is never resent.
     */
    @Test
    void aResentCopyIsActedOnOnceAndNonRequestsAreNotResent() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
        server.add(new CoapResource("slow") {
            @Override
            public void handlePUT(CoapExchange exchange) {
                handled.incrementAndGet();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.respond(ResponseCode.CHANGED);
            }
        });
        sender("coap://127.0.0.1:" + port, Map.of(CoapSinkConfig.ACK_TIMEOUT_MS, "60000"));
        java.util.concurrent.CompletionStage<SendResult> stage = sender.send(new OutgoingRequest("slow",
                OutgoingRequest.Method.PUT, "{}".getBytes(), true));
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> handled.get() == 1);
        // (await: Californium reports the datagram sent a moment after the server may have it)
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
                .until(((CoapSender.Resendable) stage)::resendNow);
        release.countDown();
        SendResult result = await(stage);
        assertThat(result.responseCode()).isEqualTo("2.04");
        assertThat(handled.get()).as("the copy was recognised as a duplicate").isEqualTo(1);

        java.util.concurrent.CompletionStage<SendResult> non = sender.send(new OutgoingRequest("ok",
                OutgoingRequest.Method.PUT, "{}".getBytes(), false));
        assertThat(((CoapSender.Resendable) non).resendNow()).isFalse();
        assertThat(await(non).delivered()).isTrue();
    }

    /** Over DTLS the copy goes in the request's own session: no new handshake, and the server answers it. */
    @Test
    void aRequestDeemedLostIsResentInItsDtlsSession() throws Exception {
        try (io.github.coapsink.testserver.CoapTestServer dtls = io.github.coapsink.testserver.CoapTestServer.builder()
                .host("127.0.0.1").port(-1).dtlsPort(0).psk("sink-resend", "psk-secret-resend").start()) {
            dtls.dropRatio(1.0);
            sender(dtls.dtlsUri(), Map.of(CoapSinkConfig.USERNAME, "sink-resend", CoapSinkConfig.PASSWORD,
                    "psk-secret-resend", CoapSinkConfig.ACK_TIMEOUT_MS, "60000", CoapSinkConfig.REQUEST_TIMEOUT_MS,
                    "120000"));
            java.util.concurrent.CompletionStage<SendResult> stage = sender.send(new OutgoingRequest("ok",
                    OutgoingRequest.Method.PUT, "{\"dtls\":1}".getBytes(), true));
            org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> dtls.allRequests().size() == 1);
            dtls.dropRatio(0.0);
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
                    .until(((CoapSender.Resendable) stage)::resendNow);
            SendResult result = await(stage); // within 30 s: Californium's own retransmission would come after 60
            assertThat(result.delivered()).as(result.detail()).isTrue();
            assertThat(dtls.requests()).singleElement().satisfies(r -> assertThat(r.payloadText()).isEqualTo("{\"dtls\":1}"));
            assertThat(dtls.dtlsHandshakes()).hasSize(1);
        }
    }
}
