package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testing.LogCapture;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The message-ID ceiling: one endpoint has 65,536 IDs per EXCHANGE_LIFETIME; the pool spreads
 * requests over several local ports and goes around an endpoint whose IDs are used up.
 * Non-confirmable requests to a socket that never answers use IDs as fast as they can be sent.
 */
class EndpointPoolTest {

    private static final int MESSAGE_IDS = 65_536;

    private static CaliforniumSender sender(int port, int endpoints, long timeoutMs) {
        Map<String, String> props = new HashMap<>();
        props.put(CoapSinkConfig.URI, "coap://127.0.0.1:" + port);
        props.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        props.put(CoapSinkConfig.HOST, "127.0.0.1");
        props.put(CoapSinkConfig.ENDPOINTS, String.valueOf(endpoints));
        props.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, String.valueOf(timeoutMs));
        return CaliforniumSender.start(new CoapSinkConfig(props));
    }

    private static List<SendResult> sendNon(CaliforniumSender sender, int count) throws Exception {
        OutgoingRequest request = new OutgoingRequest("r", OutgoingRequest.Method.PUT, "{}".getBytes(), false);
        List<CompletableFuture<SendResult>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(sender.send(request).toCompletableFuture());
            if (i % 5_000 == 4_999) {
                // keep the executor queue bounded: wait for what was handed over so far
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<SendResult> results = new ArrayList<>(count);
        for (CompletableFuture<SendResult> f : futures) {
            results.add(f.get());
        }
        return results;
    }

    @Test
    @Timeout(120)
    void endpointsEachHaveTheirOwnMessageIds() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                LogCapture logs = LogCapture.start()) {
            CaliforniumSender sender = sender(silent.getLocalPort(), 2, 10_000);
            try {
                assertThat(sender.localAddresses()).as("starts with one endpoint").hasSize(1);
                List<SendResult> results = sendNon(sender, MESSAGE_IDS + 20_000);
                assertThat(results).allMatch(SendResult::delivered);
                assertThat(sender.localAddresses()).as("grew when the first ran out").hasSize(2).doesNotHaveDuplicates();
                assertThat(logs.count("Added CoAP endpoint 2 of at most 2")).isEqualTo(1);
            } finally {
                sender.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aSlowStreamKeepsOneEndpoint() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            CaliforniumSender sender = sender(silent.getLocalPort(), 16, 10_000);
            try {
                assertThat(sendNon(sender, 10_000)).allMatch(SendResult::delivered);
                assertThat(sender.localAddresses()).hasSize(1);
            } finally {
                sender.close();
            }
        }
    }

    /**
     * With every endpoint out of message IDs, further requests wait, unsent, for IDs to be freed (after
     * EXCHANGE_LIFETIME): backpressure, never a timeout failure (a burst of a million devices failed the task under
     * THROW before, when waiting counted against the request timeout). The WARN says which key to raise.
     */
    @Test
    @Timeout(120)
    void oneEndpointRunsOutAndRequestsWaitUnsentInsteadOfFailing() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                LogCapture logs = LogCapture.start()) {
            CaliforniumSender sender = sender(silent.getLocalPort(), 1, 1_000);
            List<CompletableFuture<SendResult>> futures = new ArrayList<>();
            try {
                OutgoingRequest request = new OutgoingRequest("r", OutgoingRequest.Method.PUT, "{}".getBytes(), false);
                for (int i = 0; i < MESSAGE_IDS + 2_000; i++) {
                    futures.add(sender.send(request).toCompletableFuture());
                    if (i % 5_000 == 4_999) {
                        // keep the executor queue bounded, until the endpoint has run out
                        await().atMost(Duration.ofSeconds(60)).until(() -> logs.count("has used all 65,536") > 0
                                || futures.stream().allMatch(CompletableFuture::isDone));
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> logs.count("has used all 65,536") > 0);
                await().atMost(Duration.ofSeconds(60)).until(() -> futures.stream().filter(f -> f.isDone()).count()
                        >= 50_000);
                // For twice the request timeout (1 s) after the endpoint ran out, no waiting request fails.
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> futures.stream()
                        .noneMatch(f -> f.isDone() && !f.join().delivered()));
                long delivered = futures.stream().filter(f -> f.isDone() && f.join().delivered()).count();
                List<SendResult> failed = futures.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                        .filter(r -> !r.delivered()).toList();
                long waiting = futures.stream().filter(f -> !f.isDone()).count();
                System.out.printf("ENDPOINTS | one endpoint: %d delivered, %d failed, %d waiting for message IDs%n",
                        delivered, failed.size(), waiting);
                // Californium frees IDs in groups of 4,096, so an endpoint runs out a little before 65,536.
                assertThat(delivered).isBetween(50_000L, (long) MESSAGE_IDS);
                assertThat(failed).as("waiting for an ID is no failure").isEmpty();
                assertThat(waiting).isPositive();
                assertThat(logs.count("has used all 65,536 message IDs")).isEqualTo(1);
                assertThat(logs.all()).contains("requests wait for free IDs").contains("connect.coap.endpoints");
            } finally {
                sender.close();
            }
            assertThat(futures).allMatch(CompletableFuture::isDone);
        }
    }
}
