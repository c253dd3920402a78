package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testserver.CoapTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A DTLS-PSK server restarts (losing every session) while the sender streams one request at a time, as an
 * ordered lane of the sink does; after each restart the stream must go on. The restarted Californium server picks
 * a random first message ID, so now and then its separate responses reuse IDs of its previous run (what
 * {@link ServerRestartTest} provokes every time); {@code -Ddtls.recovery.cycles=N} runs more restarts.
 */
class DtlsRecoveryTest {

    private static Map<String, String> props(CoapTestServer server) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, server.dtlsUri());
        p.put(CoapSinkConfig.KCQL, "INSERT INTO readings SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.USERNAME, "sink-recovery");
        p.put(CoapSinkConfig.PASSWORD, "psk-secret-recovery");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "2000");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "200");
        return p;
    }

    @Test
    @Timeout(300)
    void theStreamGoesOnAfterEveryServerRestart() throws Exception {
        int cycles = Integer.getInteger("dtls.recovery.cycles", 6);
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(-1).dtlsPort(0)
                .psk("sink-recovery", "psk-secret-recovery").start()) {
            server.responseDelay(Duration.ofMillis(5));
            AtomicInteger accepted = new AtomicInteger();
            server.onRequest(r -> {
                if (r.success()) {
                    accepted.incrementAndGet();
                }
            });
            try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(props(server)))) {
                AtomicBoolean stop = new AtomicBoolean();
                java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
                AtomicInteger delivered = new AtomicInteger();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger longestFailureRunMs = new AtomicInteger();
                AtomicBoolean serverUp = new AtomicBoolean(true);
                Thread lane = new Thread(() -> {
                    int id = 0;
                    long failingSince = 0;
                    while (!stop.get()) {
                        byte[] body = ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
                        SendResult result;
                        try {
                            result = sender.send(new OutgoingRequest("readings", OutgoingRequest.Method.PUT, body, true))
                                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        if (result.delivered()) {
                            delivered.incrementAndGet();
                            id++;
                            failingSince = 0;
                        } else {
                            long now = System.nanoTime();
                            if (failingSince == 0) {
                                failingSince = now;
                            }
                            if (serverUp.get()) {
                                longestFailureRunMs.accumulateAndGet(
                                        (int) TimeUnit.NANOSECONDS.toMillis(now - failingSince), Math::max);
                            }
                            failed.incrementAndGet();
                            System.out.println("DTLS-RECOVERY | id " + id + ": " + result.detail());
                            try {
                                if (stopped.await(100, TimeUnit.MILLISECONDS)) { // the retry interval, or the end
                                    return;
                                }
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                }, "lane");
                lane.start();
                try {
                    for (int cycle = 0; cycle < cycles; cycle++) {
                        int before = delivered.get();
                        int c = cycle;
                        await().atMost(Duration.ofSeconds(20)).until(() -> delivered.get() >= before + 300);
                        serverUp.set(false);
                        server.stop();
                        int failedBefore = failed.get();
                        // down until the lane has noticed: at least one request failed
                        await().atMost(Duration.ofSeconds(20)).until(() -> failed.get() > failedBefore);
                        server.start();
                        serverUp.set(true);
                        System.out.printf("DTLS-RECOVERY | cycle %d: server restarted, %d delivered%n", c, delivered.get());
                    }
                    int before = delivered.get();
                    await().atMost(Duration.ofSeconds(20)).until(() -> delivered.get() >= before + 300);
                } finally {
                    stop.set(true);
                    stopped.countDown();
                    lane.join(40_000);
                }
            }
        }
    }
}
