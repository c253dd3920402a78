package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The caller gives up on a request (a partition was closed, a task stops): cancelling or completing the future
 * {@link CaliforniumSender#send} returned stops the request's retransmissions and frees its resource's line.
 */
@Timeout(60)
class SenderCancellationTest {

    private CaliforniumSender sender;

    @AfterEach
    void close() {
        if (sender != null) {
            sender.close();
        }
    }

    private CaliforniumSender sender(String uri, long timeoutMs) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "1000");
        p.put(CoapSinkConfig.MAX_RETRANSMIT, "4");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, String.valueOf(timeoutMs));
        sender = CaliforniumSender.start(new CoapSinkConfig(p));
        return sender;
    }

    private static OutgoingRequest put(String body) {
        return new OutgoingRequest("r", OutgoingRequest.Method.PUT, body.getBytes(StandardCharsets.UTF_8), true);
    }

    private static String big(int id) {
        return "{\"id\":" + id + ",\"pad\":\"" + "x".repeat(3000) + "\"}";
    }

    @Test
    void cancellingTheFutureStopsTheRetransmissions() throws Exception {
        try (SilentServer server = new SilentServer()) {
            sender(server.uri(), 20_000);
            CompletableFuture<SendResult> future = sender.send(put("{\"id\":1}")).toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.count() >= 1);
            assertThat(future.cancel(false)).isTrue();
            // Retransmissions would follow 1 to 1.5 s later, then 2 to 3 s after that (ACK_TIMEOUT 1 s, doubling).
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() -> server.count() == 1);
            assertThat(server.messageIds()).as("datagrams that reached the server").hasSize(1);
            assertThat(sender.pendingCount()).isZero();
        }
    }

    /** Congestion control hears of every retransmission, and of none once the request is given up. */
    @Test
    void theCallerIsToldOfEachRetransmission() throws Exception {
        try (SilentServer server = new SilentServer()) {
            sender(server.uri(), 20_000);
            AtomicInteger told = new AtomicInteger();
            CompletableFuture<SendResult> future = sender.send(put("{\"id\":1}"), told::incrementAndGet)
                    .toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.count() >= 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> told.get() >= 1);
            future.cancel(false);
            int atCancel = told.get();
            // each retransmission the caller heard of reached the server, after the original
            await().atMost(Duration.ofSeconds(5)).until(() -> server.count() >= atCancel + 1);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> told.get() == atCancel);
        }
    }

    @Test
    void completingTheFutureStopsTheRetransmissionsToo() throws Exception {
        try (SilentServer server = new SilentServer()) {
            sender(server.uri(), 20_000);
            CompletableFuture<SendResult> future = sender.send(put("{\"id\":1}")).toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.count() >= 1);
            future.complete(SendResult.transientFailure(null, "given up by the caller"));
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() -> server.count() == 1);
        }
    }

    @Test
    void cancellingABlockwiseTransferLetsTheNextOneToTheResourceGo() throws Exception {
        try (SilentServer server = new SilentServer()) {
            sender(server.uri(), 20_000);
            CompletableFuture<SendResult> first = sender.send(put(big(1))).toCompletableFuture();
            CompletableFuture<SendResult> second = sender.send(put(big(2))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.count() >= 1);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> !received(server).contains("\"id\":2")); // the second waits for the resource
            first.cancel(false);
            await().atMost(Duration.ofSeconds(5)).until(() -> received(server).contains("\"id\":2"));
            int afterSecondStarted = server.count();
            second.cancel(false);
            // no retransmission of either after its cancel
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                    .until(() -> server.count() == afterSecondStarted);
        }
    }

    @Test
    void aQueuedTransferThatIsCancelledNeverStarts() throws Exception {
        try (SilentServer server = new SilentServer()) {
            sender(server.uri(), 1_000);
            CompletableFuture<SendResult> first = sender.send(put(big(1))).toCompletableFuture();
            CompletableFuture<SendResult> second = sender.send(put(big(2))).toCompletableFuture();
            CompletableFuture<SendResult> third = sender.send(put(big(3))).toCompletableFuture();
            second.cancel(false);
            assertThat(first.get().detail()).contains("timed out after 1000 ms");
            await().atMost(Duration.ofSeconds(5)).until(() -> received(server).contains("\"id\":3"));
            assertThat(received(server)).doesNotContain("\"id\":2");
            assertThat(third.get().outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
            assertThat(sender.blockwise.waiting()).isZero();
        }
    }

    private static String received(SilentServer server) {
        return server.messageIds().isEmpty() ? "" : new String(concat(server), StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(SilentServer server) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] d : server.datagrams()) {
            out.writeBytes(d);
        }
        return out.toByteArray();
    }
}
