package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testing.LogCapture;
import java.net.DatagramSocket;
import java.net.InetAddress;
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

    @Test
    @Timeout(120)
    void oneEndpointRunsOutAndSaysWhatToChange() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                LogCapture logs = LogCapture.start()) {
            CaliforniumSender sender = sender(silent.getLocalPort(), 1, 1_000);
            try {
                List<SendResult> results = sendNon(sender, MESSAGE_IDS + 2_000);
                long delivered = results.stream().filter(SendResult::delivered).count();
                List<SendResult> failed = results.stream().filter(r -> !r.delivered()).toList();
                // Californium frees IDs in groups of 4,096, so an endpoint runs out a little before 65,536.
                assertThat(delivered).isBetween(50_000L, (long) MESSAGE_IDS);
                assertThat(failed).isNotEmpty().allMatch(r -> r.outcome() == SendResult.Outcome.TRANSIENT)
                        .allMatch(r -> r.detail().contains("timed out"));
                assertThat(logs.count("has used all 65,536 message IDs")).isEqualTo(1);
                assertThat(logs.all()).contains("connect.coap.endpoints");
            } finally {
                sender.close();
            }
        }
    }
}
