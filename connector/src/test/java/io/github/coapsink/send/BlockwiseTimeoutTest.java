package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code connect.coap.request.timeout.ms} and block-wise bodies (RFC 7959): the clock starts when a body leaves
 * its resource's line (not when it was handed over and had to wait behind another one), and it bounds the wait for
 * each block, so a large body on a slow link is not cut off while every block is answered in time.
 */
@Timeout(60)
class BlockwiseTimeoutTest {

    private final List<String> received = new CopyOnWriteArrayList<>();
    private CoapServer server;
    private final java.util.concurrent.CountDownLatch testOver = new java.util.concurrent.CountDownLatch(1);
    private volatile long handlerDelayMs;
    private volatile long perMessageDelayMs;
    private final java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();

    private int startServer() {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 1024 * 1024);
        server = new CoapServer(config);
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build();
        // A slow link or device: every datagram that arrives costs some time before it is answered.
        endpoint.addInterceptor(new MessageInterceptorAdapter() {
            @Override
            public void receiveRequest(Request request) {
                arrived.incrementAndGet();
                sleep(perMessageDelayMs);
            }
        });
        server.addEndpoint(endpoint);
        server.add(new CoapResource("r") {
            @Override
            public void handlePUT(CoapExchange exchange) {
                sleep(handlerDelayMs);
                received.add(exchange.getRequestText());
                exchange.respond(ResponseCode.CHANGED);
            }
        });
        server.start();
        return endpoint.getAddress().getPort();
    }

    /** The simulated slowness of the server; ends early once the test is over, so no server thread lingers. */
    private void sleep(long ms) {
        if (ms > 0) {
            try {
                testOver.await(ms, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @AfterEach
    void stop() {
        testOver.countDown();
        if (server != null) {
            server.destroy();
        }
    }

    private static CaliforniumSender sender(int port, long timeoutMs) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, "coap://127.0.0.1:" + port);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, String.valueOf(timeoutMs));
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "2000");
        return CaliforniumSender.start(new CoapSinkConfig(p));
    }

    private static OutgoingRequest body(int id, int size) {
        String json = "{\"id\":" + id + ",\"pad\":\"" + "x".repeat(size) + "\"}";
        return new OutgoingRequest("r", OutgoingRequest.Method.PUT, json.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void aQueuedBlockwiseBodysTimeoutCountsFromWhenItStarts() throws Exception {
        handlerDelayMs = 700; // each body takes about 0.7 s; the second waits that long for the first
        int port = startServer();
        try (CaliforniumSender sender = sender(port, 1_000)) {
            CompletableFuture<SendResult> first = sender.send(body(1, 3_000)).toCompletableFuture();
            CompletableFuture<SendResult> second = sender.send(body(2, 3_000)).toCompletableFuture();
            SendResult a = first.get(20, TimeUnit.SECONDS);
            SendResult b = second.get(20, TimeUnit.SECONDS);
            System.out.printf("BLOCKWISE-TIMEOUT | two bodies, 0.7 s each, timeout 1 s: %s / %s%n", a.detail(), b.detail());
            assertThat(a.delivered()).as(a.detail()).isTrue();
            assertThat(b.delivered()).as("the second body's clock started when it left the line: " + b.detail()).isTrue();
            assertThat(received).hasSize(2);
        }
    }

    @Test
    void aLargeBodyOnASlowLinkIsDeliveredWhileEveryBlockIsAnsweredInTime() throws Exception {
        perMessageDelayMs = 40; // ~60 blocks of 512 bytes: about 2.5 s in all, each block well under 1 s
        int port = startServer();
        try (CaliforniumSender sender = sender(port, 1_000)) {
            long start = System.nanoTime();
            SendResult result = sender.send(body(1, 30_000)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("BLOCKWISE-TIMEOUT | 30 KB body, 40 ms per block, timeout 1 s: %s after %.1f s%n",
                    result.detail(), seconds);
            assertThat(result.delivered()).as(result.detail()).isTrue();
            assertThat(received).hasSize(1);
            assertThat(received.get(0)).hasSize(30_000 + "{\"id\":1,\"pad\":\"\"}".length());
        }
    }

    @Test
    void aBlockThatGetsNoAnswerInTimeStillFailsTheBody() throws Exception {
        perMessageDelayMs = 40;
        int port = startServer();
        try (CaliforniumSender sender = sender(port, 1_000)) {
            CompletableFuture<SendResult> future = sender.send(body(1, 30_000)).toCompletableFuture();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> arrived.get() >= 5);
            perMessageDelayMs = 3_000; // the server stalls in the middle of the body
            SendResult result = future.get(30, TimeUnit.SECONDS);
            perMessageDelayMs = 0;
            System.out.printf("BLOCKWISE-TIMEOUT | server stalls mid-body: %s%n", result.detail());
            assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(result.detail()).contains("timed out after 1000 ms").contains("no answer to block");
        }
    }
}
