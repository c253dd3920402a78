package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connect.coap.confirmable=false} with bodies larger than one CoAP message: 8 JSON records of about 3 KB
 * handed over in one burst for one resource, as a lane of the sink does once each is reported sent. A record
 * counts as delivered only when its whole body reached the server.
 */
@Timeout(120)
class NonBlockwiseTest {

    private static final int RECORDS = 8;

    @TempDir
    Path dir;

    private static Map<String, String> props(String uri) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO x SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.CONFIRMABLE, "false");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "10000");
        return p;
    }

    private static String record(int id) {
        return "{\"id\":" + id + ",\"pad\":\"" + "x".repeat(3000) + "\"}";
    }

    /** Hands the records over one after the other as soon as the previous one is reported done. */
    private static List<SendResult> sendLikeALane(CaliforniumSender sender) throws Exception {
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            results.add(sender.send(new OutgoingRequest("x", OutgoingRequest.Method.PUT,
                    record(i).getBytes(StandardCharsets.UTF_8), false)).toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    /** All handed over at once (ordering=NONE). */
    private static List<SendResult> sendInOneBurst(CaliforniumSender sender) throws Exception {
        List<CompletableFuture<SendResult>> futures = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            futures.add(sender.send(new OutgoingRequest("x", OutgoingRequest.Method.PUT,
                    record(i).getBytes(StandardCharsets.UTF_8), false)).toCompletableFuture());
        }
        List<SendResult> results = new ArrayList<>();
        for (CompletableFuture<SendResult> f : futures) {
            results.add(f.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    @Test
    void everyRecordReportedDeliveredArrivedWholeAtACaliforniumServer() throws Exception {
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").start()) {
            for (boolean burst : new boolean[] {false, true}) {
                int before = server.requests().size();
                List<SendResult> results;
                try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(props(server.plainUri())))) {
                    results = burst ? sendInOneBurst(sender) : sendLikeALane(sender);
                }
                List<String> whole = server.requests().subList(before, server.requests().size()).stream()
                        .map(ReceivedRequest::payloadText).filter(t -> t.length() > 3000).toList();
                System.out.printf("NON-BLOCKWISE | Californium server, %s: %d of %d reported delivered, %d arrived whole%n",
                        burst ? "one burst" : "one after the other", results.stream().filter(SendResult::delivered).count(),
                        RECORDS, whole.size());
                assertThat(results).allSatisfy(r -> assertThat(r.delivered()).as(r.detail()).isTrue());
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    expected.add(record(i));
                }
                assertThat(whole).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(server.requests().subList(before, server.requests().size()))
                        .allSatisfy(r -> assertThat(r.confirmable()).isFalse());
            }
        }
    }

    @Test
    void everyRecordReportedDeliveredArrivedWholeAtLibcoap() throws Exception {
        try (LibcoapServer libcoap = LibcoapServer.start(dir)) {
            List<SendResult> results;
            try (CaliforniumSender sender = CaliforniumSender.start(new CoapSinkConfig(props(libcoap.uri())))) {
                results = sendLikeALane(sender);
            }
            String last = libcoap.get("x");
            // libcoap logs every PDU; a body arrived whole when its last block (M=0) reached it. Its log may trail.
            await().atMost(Duration.ofSeconds(10)).until(() -> countLastBlocks(libcoap.logText()) >= RECORDS);
            String text = libcoap.logText();
            int completed = countLastBlocks(text);
            int restarted = countBlockZero(text);
            System.out.printf("NON-BLOCKWISE | libcoap coap-server-notls: %d of %d reported delivered, %d uploads with "
                    + "their last block received, %d uploads started; GET returns %d bytes%n",
                    results.stream().filter(SendResult::delivered).count(), RECORDS, completed, restarted, last.length());
            assertThat(results).allSatisfy(r -> assertThat(r.delivered()).as(r.detail()).isTrue());
            assertThat(completed).as("uploads whose last block reached libcoap").isEqualTo(RECORDS);
            assertThat(restarted).as("uploads started (a cancelled one would start again)").isEqualTo(RECORDS);
            assertThat(last).isEqualTo(record(RECORDS - 1));
        }
    }

    private static int countLastBlocks(String text) {
        Matcher m = Pattern.compile("t:NON c:PUT [^\\n]*Block1:\\d+/_/").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int countBlockZero(String text) {
        Matcher m = Pattern.compile("t:NON c:PUT [^\\n]*Block1:0/M/").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

}
