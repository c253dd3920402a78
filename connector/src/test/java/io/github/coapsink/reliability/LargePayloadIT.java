package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records of 1 KB to about 1 MB go block-wise (RFC 7959) to the server and arrive JSON-equal; a
 * record over {@code connect.coap.max.payload.bytes} and a record that is not JSON go to the
 * dead-letter queue with Connect's error headers, and the task carries on.
 */
@Tag("reliability")
class LargePayloadIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int FOUR_MB = 4 * 1024 * 1024;
    private static final int LIMIT = 1_100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-large", Map.of(
            "consumer.max.partition.fetch.bytes", Integer.toString(FOUR_MB),
            "consumer.fetch.max.bytes", Integer.toString(2 * FOUR_MB),
            // The dead-letter queue producer must be able to write the oversized record.
            "producer.max.request.size", Integer.toString(FOUR_MB)));

    @BeforeAll
    static void start() {
        kafka = sink.kafka();
        connect = sink.connect();
    }

    /** A compact JSON object of exactly {@code size} bytes whose text varies (seeded), so corruption shows. */
    static String jsonOfSize(int id, int size, long seed) {
        String head = "{\"id\":" + id + ",\"blob\":\"";
        String tail = "\"}";
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder(size).append(head);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ ";
        while (sb.length() < size - tail.length()) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.append(tail).toString();
    }

    @Test
    void largeRecordsArriveBlockwiseAndOversizedOnesGoToTheDeadLetterQueue() throws Exception {
        String topic = "large";
        String dlq = "large_dlq";
        String name = "coap-large";
        Map<String, String> big = Map.of("max.message.bytes", Integer.toString(FOUR_MB));
        kafka.createTopic(topic, 1, big);
        kafka.createTopic(dlq, 1, big);
        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start()) {
            Map<String, String> c = new HashMap<>();
            c.put("connector.class", "CoapSinkConnector");
            c.put("tasks.max", "1");
            c.put("topics", topic);
            c.put("connect.coap.uri", server.plainUri());
            c.put("connect.coap.kcql", "INSERT INTO blobs SELECT * FROM " + topic);
            c.put("connect.coap.host", "127.0.0.1");
            c.put("connect.coap.max.payload.bytes", Integer.toString(LIMIT));
            c.put("errors.tolerance", "all");
            c.put("errors.deadletterqueue.topic.name", dlq);
            c.put("errors.deadletterqueue.topic.replication.factor", "1");
            c.put("errors.deadletterqueue.context.headers.enable", "true");
            connect.createOrUpdateConnector(name, c);
            connect.awaitConnectorRunning(name, 1, WAIT);

            Map<Integer, String> sent = new LinkedHashMap<>();
            int[] sizes = {1_024, 10_240, 102_400, 1_000_000};
            for (int i = 0; i < sizes.length; i++) {
                sent.put(i + 1, jsonOfSize(i + 1, sizes[i], i));
            }
            String oversized = jsonOfSize(90, 1_200_000, 90);
            String notJson = "this is not JSON";
            String after = Records.json(99);
            long t0 = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = kafka.producer(Map.of("max.request.size", FOUR_MB))) {
                for (String value : sent.values()) {
                    producer.send(new ProducerRecord<>(topic, null, Records.bytes(value)));
                }
                producer.send(new ProducerRecord<>(topic, null, Records.bytes(oversized)));   // offset 4
                producer.send(new ProducerRecord<>(topic, null, Records.bytes(notJson)));     // offset 5
                producer.send(new ProducerRecord<>(topic, null, Records.bytes(after)));       // offset 6
                producer.flush();
            }

            await().atMost(WAIT).until(() -> server.requests("blobs").size() >= 5);
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<ReceivedRequest> got = server.requests("blobs");
            assertThat(got).hasSize(5);
            for (int i = 0; i < sizes.length; i++) {
                ReceivedRequest r = got.get(i);
                JsonNode expected = JSON.readTree(sent.get(i + 1));
                assertThat(JSON.readTree(r.payload())).as("record of %d bytes arrives JSON-equal", sizes[i])
                        .isEqualTo(expected);
                assertThat(r.payloadSize()).isEqualTo(sizes[i]);
                assertThat(r.payloadText()).as("and byte for byte (compact input)").isEqualTo(sent.get(i + 1));
                System.out.printf("RELIABILITY | large payload: %d bytes arrived intact%n", r.payloadSize());
            }
            assertThat(got.get(4).payloadText()).isEqualTo(after);
            System.out.printf("RELIABILITY | large payloads: 1 KB..1 MB + 1 small record delivered in %.1f s%n", seconds);

            List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 2, WAIT);
            Map<String, String> oversizedHeaders = headers(dead.get(0));
            Map<String, String> notJsonHeaders = headers(dead.get(1));
            assertThat(dead.get(0).value()).hasSize(1_200_000);
            assertThat(new String(dead.get(1).value(), StandardCharsets.UTF_8)).isEqualTo(notJson);
            System.out.println("RELIABILITY | dead-letter headers (oversized): " + oversizedHeaders);
            System.out.println("RELIABILITY | dead-letter headers (not JSON): " + notJsonHeaders);
            assertThat(oversizedHeaders.get("__connect.errors.exception.message"))
                    .contains("1200000 bytes").contains("connect.coap.max.payload.bytes=" + LIMIT);
            assertThat(notJsonHeaders.get("__connect.errors.exception.message")).contains("not a JSON document");
            assertErrorHeaders(oversizedHeaders, topic, 4);
            assertErrorHeaders(notJsonHeaders, topic, 5);

            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets(
                    ConnectRestClient.sinkGroupId(name))).containsEntry(new TopicPartition(topic, 0), 7L));
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
            System.out.println(new Receipts.Tally("large payloads 1 KB..1 MB (+1 oversized, +1 not JSON to the DLQ)",
                    7, 5, server.requests("blobs").size() - 5, 0, (long) (seconds * 1000)));
        }
    }

    private static void assertErrorHeaders(Map<String, String> headers, String topic, long offset) {
        assertThat(headers.get("__connect.errors.exception.class.name")).isNotBlank();
        assertThat(headers.get("__connect.errors.exception.message")).isNotBlank();
        assertThat(headers.get("__connect.errors.topic")).isEqualTo(topic);
        assertThat(headers.get("__connect.errors.partition")).isEqualTo("0");
        assertThat(headers.get("__connect.errors.offset")).isEqualTo(Long.toString(offset));
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : record.headers()) {
            String v = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            out.put(h.key(), v != null && v.length() > 300 ? v.substring(0, 300) + "..." : v);
        }
        return out;
    }
}
