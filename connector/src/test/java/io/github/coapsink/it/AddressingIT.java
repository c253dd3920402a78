package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Addressing devices end to end (issue 10): resources templated from the record, order per device, a failing device
 * backing off alone, tombstones and CoAP options from headers, through a real worker and broker to Californium's
 * test server and to libcoap.
 */
class AddressingIT {

    private static final Duration WAIT = StandaloneSink.WAIT;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-addr");

    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;
    private CoapTestServer server;
    private String topic;

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        connect = sink.connect();
        topic = sink.topic();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).history(1_000).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Map<String, String> config(String kcql) {
        return sink.config(server.plainUri(), kcql);
    }

    private List<ReceivedRequest> to(String... segments) {
        List<String> wanted = List.of(segments);
        return server.requests().stream().filter(r -> r.segments().equals(wanted)).toList();
    }

    private static int seq(ReceivedRequest r) {
        Matcher m = Pattern.compile("\"seq\":(\\d+)").matcher(r.payloadText());
        assertThat(m.find()).as(r.payloadText()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        keys.add("room 7");
        keys.add("a/b");
        for (int i = 2; i < n; i++) {
            keys.add("device-" + i);
        }
        return keys;
    }

    @Test
    void everyDeviceGetsExactlyItsRecordsInOrderEvenWithSlashesAndSpacesInKeys() {
        kafka.createTopic(topic, 1);
        sink.run(config("INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic));
        List<String> keys = keys(40);
        for (int seq = 0; seq < 8; seq++) {
            for (String key : keys) {
                kafka.send(topic, key, "{\"key\":\"" + key.replace("\"", "") + "\",\"seq\":" + seq + "}");
            }
        }
        sink.awaitCommitted(topic, 0, 320);
        for (String key : keys) {
            List<ReceivedRequest> got = to("dev", key);
            assertThat(got).as(key).hasSize(8);
            assertThat(got).extracting(AddressingIT::seq).as(key).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        }
        assertThat(server.requests()).as("a key never splits or leaves its segment").hasSize(320)
                .allSatisfy(r -> assertThat(r.segments()).hasSize(2).first().isEqualTo("dev"));
    }

    @Test
    void templatedResourcesReachLibcoapAsOneSegmentEach(@TempDir Path dir) {
        kafka.createTopic(topic, 1);
        try (LibcoapServer libcoap = LibcoapServer.start(dir)) {
            sink.run(sink.config(libcoap.uri(), "INSERT INTO \"dev/{{key}}/state?src={{topic}}\" SELECT * FROM " + topic));
            for (int seq = 0; seq < 3; seq++) {
                for (String key : List.of("room 7", "k1")) {
                    kafka.send(topic, key, "{\"seq\":" + seq + "}");
                }
            }
            sink.awaitCommitted(topic, 0, 6);
            assertThat(libcoap.get("dev/room%207/state")).isEqualTo("{\"seq\":2}");
            assertThat(libcoap.get("dev/k1/state")).isEqualTo("{\"seq\":2}");
            assertThat(libcoap.logText()).contains("Uri-Path:room 7").contains("Uri-Query:src=" + topic);
        }
    }

    @Test
    void aValueFieldTemplateAddressesTheRecordBeforeTheProjectionShapesIt() {
        kafka.createTopic(topic, 1);
        sink.run(config("INSERT INTO \"site/{{value.site.id}}/room-{{value.room}}\" SELECT temperature FROM " + topic));
        kafka.send(topic, null, "{\"site\":{\"id\":\"leeds\"},\"room\":7,\"temperature\":21.5}");
        kafka.send(topic, null, "{\"site\":{\"id\":\"york\"},\"room\":2,\"temperature\":19}");
        sink.awaitCommitted(topic, 0, 2);
        assertThat(to("site", "leeds", "room-7")).extracting(ReceivedRequest::payloadText)
                .containsExactly("{\"temperature\":21.5}");
        assertThat(to("site", "york", "room-2")).extracting(ReceivedRequest::payloadText)
                .containsExactly("{\"temperature\":19}");
    }

    @Test
    void recordsThatCannotBeAddressedGoToTheDeadLetterQueueAndTheTaskGoesOn() {
        kafka.createTopic(topic, 1);
        String dlq = topic + "_dlq";
        Map<String, String> c = config("INSERT INTO \"dev/{{key}}/{{value.room}}\" SELECT * FROM " + topic);
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", dlq);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        sink.run(c);
        kafka.send(topic, null, "{\"room\":1}");
        kafka.send(topic, "k2", "{\"floor\":3}");
        kafka.send(topic, "k3", "{\"room\":\"kitchen\"}");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 2, WAIT);
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            for (Header h : r.headers()) {
                if (h.key().equals("__connect.errors.exception.message")) {
                    reasons.add(new String(h.value(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).contains("{{key}}").contains("null");
        assertThat(reasons.get(1)).contains("{{value.room}}").contains("missing");
        sink.awaitCommitted(topic, 0, 3);
        assertThat(to("dev", "k3", "kitchen")).hasSize(1);
        assertThat(server.requests()).as("nothing sent to a literal or partial path").hasSize(1);
        assertThat(connect.connectorStatus(sink.name()).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void oneDeviceAnswering503BacksOffAloneWhileFiftyOthersKeepReceiving() {
        kafka.createTopic(topic, 1);
        server.unavailableFor("dev/dead", Duration.ofMinutes(5), 3);
        Map<String, String> c = config("INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.max.retries", "1000");
        try (LogCapture logs = LogCapture.start()) {
            sink.run(c);
            for (int i = 0; i < 10; i++) {
                kafka.send(topic, "healthy-" + i, "{\"seq\":0}");
            }
            for (int seq = 0; seq < 3; seq++) {
                kafka.send(topic, "dead", "{\"seq\":" + seq + "}"); // offsets 10, (later) ...
                for (int i = 0; i < 50; i++) {
                    kafka.send(topic, "healthy-" + i, "{\"seq\":" + (seq + 1) + "}");
                }
            }
            int healthy = 10 + 3 * 50;
            await().atMost(WAIT).until(() -> server.requests().size() >= healthy);
            assertThat(server.requests()).hasSize(healthy)
                    .noneMatch(r -> r.segments().equals(List.of("dev", "dead")));
            assertThat(server.allRequests("dev/dead")).isNotEmpty()
                    .allMatch(r -> r.response() == ResponseCode.SERVICE_UNAVAILABLE);
            assertThat(sink.committed(topic, 0)).as("the commit stops at the failing record").isLessThanOrEqualTo(10);
            List<Long> backoffs = new ArrayList<>();
            Matcher m = Pattern.compile("resource 'dev/dead' of \\S+ backs off (\\d+) ms").matcher(logs.all());
            while (m.find()) {
                backoffs.add(Long.parseLong(m.group(1)));
            }
            assertThat(backoffs).as("one WARN per back-off step, each at least the server's Max-Age of 3 s")
                    .isNotEmpty().allMatch(ms -> ms >= 3_000);
            assertThat(logs.all()).doesNotContain("RetriableException");
            server.unavailableFor("dev/dead", Duration.ZERO, 0);
            sink.awaitCommitted(topic, 0, healthy + 3);
        }
        assertThat(to("dev", "dead")).extracting(AddressingIT::seq).containsExactly(0, 1, 2);
        for (int i = 0; i < 50; i++) {
            assertThat(to("dev", "healthy-" + i)).extracting(AddressingIT::seq).isSorted();
        }
    }

    @Test
    void aTombstoneDeletesTheKeysResource() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = config("INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.tombstone.policy", "DELETE");
        sink.run(c);
        kafka.send(topic, "gone", "{\"seq\":0}");
        kafka.send(topic, "gone".getBytes(StandardCharsets.UTF_8), null);
        sink.awaitCommitted(topic, 0, 2);
        List<ReceivedRequest> all = server.allRequests().stream()
                .filter(r -> r.segments().equals(List.of("dev", "gone"))).toList();
        assertThat(all).extracting(ReceivedRequest::method).containsExactly(Code.PUT, Code.DELETE);
    }

    @Test
    void coapOptionsFromHeadersAndAFailedIfMatchIsAPermanentFailureWithItsOwnMessage() {
        kafka.createTopic(topic, 1);
        String dlq = topic + "_dlq";
        Map<String, String> c = config("INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.options.from.headers", "true");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", dlq);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("header.converter", "org.apache.kafka.connect.storage.StringConverter");
        sink.run(c);
        String v1 = "{\"v\":1}";
        String etag = HexFormat.of().formatHex(CoapTestServer.etag(v1.getBytes(StandardCharsets.UTF_8)));
        kafka.send(topic, "x", v1, null, Map.of("coap.if-none-match", "true", "coap.uri-query", "who=sink"));
        kafka.send(topic, "x", "{\"v\":2}", null, Map.of("coap.if-match", etag, "coap.content-format", "application/json"));
        kafka.send(topic, "x", "{\"v\":3}", null, Map.of("coap.if-match", "deadbeef"));
        kafka.send(topic, "x", "{\"v\":4}", null, Map.of("coap.accept", "not-a-media-type"));
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 2, WAIT);
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            for (Header h : r.headers()) {
                if (h.key().equals("__connect.errors.exception.message")) {
                    reasons.add(new String(h.value(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(reasons).hasSize(2).anySatisfy(reason -> assertThat(reason).contains("4.12")
                .contains("If-Match / If-None-Match").contains("not retried"))
                .anySatisfy(reason -> assertThat(reason).contains("coap.accept").contains("not-a-media-type"));
        sink.awaitCommitted(topic, 0, 4);
        List<ReceivedRequest> x = server.allRequests().stream()
                .filter(r -> r.segments().equals(List.of("dev", "x"))).toList();
        assertThat(x).extracting(ReceivedRequest::response).containsExactly(ResponseCode.CHANGED, ResponseCode.CHANGED,
                ResponseCode.PRECONDITION_FAILED);
        assertThat(x.get(0).options().hasIfNoneMatch()).isTrue();
        assertThat(x.get(0).query()).isEqualTo("who=sink");
        assertThat(x.get(1).options().getIfMatch()).hasSize(1);
        assertThat(server.requests("dev/x")).extracting(ReceivedRequest::payloadText).containsExactly(v1, "{\"v\":2}");
        assertThat(connect.connectorStatus(sink.name()).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }
}
