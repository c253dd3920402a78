package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.config.CoapConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NON requests nobody answers, past one EXCHANGE_LIFETIME. An endpoint hands a message ID out again once
 * EXCHANGE_LIFETIME has passed (247 s by default; 2 s here, through the sender's internal tuning, so the test
 * takes seconds). An exchange still held in Californium's store under that ID then collides with the new
 * request: "generated mid [..] already in use". A NON request's exchange is released once it was sent.
 */
class NonExchangeLifetimeTest {

    private static final int MESSAGE_IDS = 65_536;

    @Test
    @Timeout(180)
    void nonRequestsKeepGoingPastOneExchangeLifetime() throws Exception {
        try (SilentServer server = new SilentServer()) {
            Map<String, String> p = new HashMap<>();
            p.put(CoapSinkConfig.URI, server.uri());
            p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
            p.put(CoapSinkConfig.HOST, "127.0.0.1");
            p.put(CoapSinkConfig.ENDPOINTS, "1");
            p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "20000");
            CaliforniumSender.Tuning shortLifetime = new CaliforniumSender.Tuning(c -> {
                c.set(CoapConfig.EXCHANGE_LIFETIME, 2, TimeUnit.SECONDS);
                c.set(CoapConfig.NON_LIFETIME, 1, TimeUnit.SECONDS);
            }, CaliforniumSender.Tuning.DEFAULT.resolver(), CaliforniumSender.Tuning.DEFAULT.resolveInterval());
            try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(p), shortLifetime)) {
                OutgoingRequest request = new OutgoingRequest("r", OutgoingRequest.Method.PUT, "{}".getBytes(), false);
                int count = MESSAGE_IDS + 30_000;
                long start = System.nanoTime();
                List<SendResult> failed = new ArrayList<>();
                int delivered = 0;
                List<CompletableFuture<SendResult>> batch = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    batch.add(sender.send(request).toCompletableFuture());
                    if (batch.size() == 2_000 || i == count - 1) {
                        for (CompletableFuture<SendResult> f : batch) {
                            SendResult r = f.get(60, TimeUnit.SECONDS);
                            if (r.delivered()) {
                                delivered++;
                            } else if (failed.size() < 5) {
                                failed.add(r);
                            }
                        }
                        batch.clear();
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("NON-LIFETIME | %d NON requests in %.1f s over one endpoint (EXCHANGE_LIFETIME 2 s): "
                        + "%d delivered; first failures: %s%n", count, seconds, delivered, failed);
                assertThat(failed).isEmpty();
                assertThat(delivered).isEqualTo(count);
                assertThat(sender.pendingCount()).isZero();
            }
        }
    }
}
