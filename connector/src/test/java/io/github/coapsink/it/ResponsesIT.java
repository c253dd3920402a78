package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command and control end to end (issue 14): the answers of devices, read back from the response topic that a real
 * worker's task wrote through a real broker, from Californium's test server and from libcoap.
 */
class ResponsesIT {

    private static final Duration WAIT = StandaloneSink.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-resp");

    private EmbeddedKafka kafka;
    private CoapTestServer server;
    private String topic;
    private String answers;

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        topic = sink.topic();
        answers = topic + "_answers";
        server = CoapTestServer.builder().host("127.0.0.1").port(0).history(1_000).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Map<String, String> config(String uri, String kcql) {
        Map<String, String> c = sink.config(uri, kcql);
        c.put("connect.coap.response.topic", answers);
        c.put("connect.coap.response.producer.bootstrap.servers", kafka.bootstrapServers());
        return c;
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    private long written(String responseTopic) {
        return kafka.endOffsets(responseTopic).values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void everyCommandsAnswerLandsOnTheResponseTopicWithItsKeyCodePayloadAndCoordinatesInEachDevicesOrder() {
        kafka.createTopic(topic, 2);
        kafka.createTopic(answers, 3);
        server.postResponse(ResponseCode.CHANGED);
        server.answerBody((request, response) -> {
            response.setPayload("{\"device\":\"" + request.segments().get(1) + "\",\"did\":" + request.payloadText()
                    + "}");
            response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        });
        Map<String, String> c = config(server.plainUri(), "INSERT INTO \"actuators/{{key}}/cmd\" SELECT * FROM " + topic);
        c.put("connect.coap.method", "POST");
        c.put("connect.coap.response.copy.headers", "correlation-id");
        sink.run(c);
        int devices = 12;
        int commands = 6;
        for (int seq = 0; seq < commands; seq++) {
            for (int d = 0; d < devices; d++) {
                kafka.send(topic, "dev-" + d, "{\"seq\":" + seq + "}", null,
                        Map.of("correlation-id", "c-" + d + "-" + seq, "unrelated", "x"));
            }
        }
        int total = devices * commands;
        List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, total, WAIT);
        await().atMost(WAIT).until(() -> sink.committed(topic, 0) + sink.committed(topic, 1) == total);
        assertThat(written(answers)).as("one answer per command, no more").isEqualTo(total);

        Map<String, List<Integer>> seqsByDevice = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            String device = text(r.key());
            JsonNode v = json(r.value());
            assertThat(v.get("outcome").asText()).isEqualTo("DELIVERED");
            assertThat(v.at("/request/method").asText()).isEqualTo("POST");
            assertThat(v.at("/request/uri").asText()).isEqualTo(server.plainUri() + "/actuators/" + device + "/cmd");
            assertThat(v.at("/response/code").asText()).isEqualTo("2.04");
            assertThat(v.at("/response/name").asText()).isEqualTo("CHANGED");
            assertThat(v.at("/response/content_format").asInt()).isEqualTo(50);
            assertThat(v.at("/response/payload_encoding").asText()).isEqualTo("text");
            JsonNode body = json(v.at("/response/payload").asText().getBytes(StandardCharsets.UTF_8));
            assertThat(body.get("device").asText()).isEqualTo(device);
            int seq = body.at("/did/seq").asInt();
            assertThat(v.at("/response/etags/0").asText()).isNotEmpty();
            assertThat(v.at("/source/topic").asText()).isEqualTo(topic);
            assertThat(v.at("/source/timestamp").asLong()).isPositive();
            assertThat(v.get("latency_ms").asDouble()).isGreaterThanOrEqualTo(0);
            int partition = v.at("/source/partition").asInt();
            long offset = v.at("/source/offset").asLong();
            assertThat(header(r, "correlation-id")).isEqualTo("c-" + device.substring(4) + "-" + seq);
            assertThat(r.headers().lastHeader("unrelated")).isNull();
            assertThat(partition).isBetween(0, 1);
            assertThat(offset).isNotNegative();
            seqsByDevice.computeIfAbsent(device, k -> new ArrayList<>()).add(seq);
        }
        assertThat(seqsByDevice).hasSize(devices);
        // The records of one key share a partition of the response topic, read in the order they were written.
        seqsByDevice.forEach((device, seqs) -> assertThat(seqs).as(device).containsExactly(0, 1, 2, 3, 4, 5));
    }

    @Test
    void aNotFoundLandsOnTheResponseTopicAndInTheDeadLetterQueue() {
        kafka.createTopic(topic, 1);
        String dlq = topic + "_dlq";
        server.respondWith("actuators/ghost/cmd", ResponseCode.NOT_FOUND);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO \"actuators/{{key}}/cmd\" SELECT * FROM " + topic);
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", dlq);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        sink.run(c);
        kafka.send(topic, "a", "{\"on\":true}");
        kafka.send(topic, "ghost", "{\"on\":true}");
        kafka.send(topic, "b", "{\"on\":false}");

        List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, 3, WAIT);
        assertThat(out).extracting(r -> text(r.key()) + " " + json(r.value()).get("outcome").asText() + " "
                + json(r.value()).at("/response/code").asText())
                .containsExactly("a DELIVERED 2.04", "ghost FAILED 4.04", "b DELIVERED 2.04");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 1, WAIT);
        assertThat(text(dead.get(0).key())).isEqualTo("ghost");
        assertThat(header(dead.get(0), "__connect.errors.exception.message")).contains("4.04");
        sink.awaitCommitted(topic, 0, 3);
    }

    @Test
    void nonRequestsWriteASentRecordWithoutAResponse() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.confirmable", "false");
        sink.run(c);
        for (int i = 0; i < 5; i++) {
            kafka.send(topic, "k" + i, "{\"i\":" + i + "}");
        }
        List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, 5, WAIT);
        assertThat(out).allSatisfy(r -> {
            JsonNode v = json(r.value());
            assertThat(v.get("outcome").asText()).isEqualTo("SENT");
            assertThat(v.get("response").isNull()).isTrue();
            assertThat(v.at("/request/confirmable").asBoolean()).isFalse();
        });
        assertThat(out).extracting(r -> json(r.value()).at("/source/offset").asLong()).containsExactly(0L, 1L, 2L, 3L, 4L);
        sink.awaitCommitted(topic, 0, 5);
        await().atMost(WAIT).until(() -> server.requests().size() == 5);
    }

    @Test
    void theCodesFilterWritesOnlyErrorsAndCommitsEverythingUnderNoop() {
        kafka.createTopic(topic, 1);
        server.respondWith("dev/bad", ResponseCode.BAD_REQUEST);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.response.codes", "4.xx,5.xx");
        c.put("connect.coap.error.policy", "NOOP");
        sink.run(c);
        for (String key : List.of("a", "b", "bad", "c", "d")) {
            kafka.send(topic, key, "{}");
        }
        sink.awaitCommitted(topic, 0, 5);
        List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, 1, WAIT);
        assertThat(text(out.get(0).key())).isEqualTo("bad");
        assertThat(json(out.get(0).value()).at("/response/code").asText()).isEqualTo("4.00");
        assertThat(written(answers)).isEqualTo(1);
    }

    @Test
    void withSchemasAConsumerWithJsonConverterReadsAStruct() {
        kafka.createTopic(topic, 1);
        server.answerBody((request, response) -> {
            response.setPayload(new byte[] {(byte) 0xa1, 0x61, 0x6b, 0x01}); // CBOR {"k": 1}
            response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_CBOR);
        });
        Map<String, String> c = config(server.plainUri(), "INSERT INTO state SELECT * FROM " + topic);
        c.put("connect.coap.response.schemas.enable", "true");
        sink.run(c);
        kafka.send(topic, "k", "{\"x\":1}");
        ConsumerRecord<byte[], byte[]> r = kafka.consume(answers, 1, WAIT).get(0);
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", true, "converter.type", "value"));
        SchemaAndValue back = converter.toConnectData(answers, r.value());
        assertThat(back.schema().name()).isEqualTo("io.github.coapsink.CoapExchange");
        Struct response = ((Struct) back.value()).getStruct("response");
        assertThat(response.getString("code")).isEqualTo("2.04");
        assertThat(response.getInt32("content_format")).isEqualTo(60);
        assertThat(response.getString("payload_encoding")).isEqualTo("base64");
        assertThat(response.getString("payload")).isEqualTo("oWFrAQ==");
    }

    /**
     * A response record the broker refuses (larger than the topic's max.message.bytes) is a failure of its record:
     * under RETRY the record waits, its offset is not committed, and the answer is written again, without the command
     * being sent to the device again, once the topic accepts it.
     */
    @Test
    void anAnswerKafkaRefusesIsRetriedUnderRetryAndNeverSilentlyDropped() throws Exception {
        kafka.createTopic(topic, 1);
        kafka.createTopic(answers, 1, Map.of("max.message.bytes", "200"));
        Map<String, String> c = config(server.plainUri(), "INSERT INTO \"dev/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "200");
        c.put("connect.coap.retry.backoff.max.ms", "1000");
        c.put("connect.coap.max.retries", "1000");
        try (LogCapture logs = LogCapture.start()) {
            sink.run(c);
            kafka.send(topic, "k1", "{\"a\":1}");
            kafka.send(topic, "k2", "{\"a\":2}");
            await().atMost(WAIT).until(() -> logs.count("response record could not be written to Kafka") >= 2);
            assertThat(sink.committed(topic, 0)).as("nothing committed while the answers are not in Kafka").isZero();
            kafka.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, answers),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1000000"),
                            AlterConfigOp.OpType.SET)))).all().get();
            List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, 2, WAIT);
            assertThat(out).extracting(r -> text(r.key())).containsExactlyInAnyOrder("k1", "k2");
            sink.awaitCommitted(topic, 0, 2);
            assertThat(server.requests()).as("each command reached the device once").hasSize(2);
        }
    }

    /**
     * libcoap (a peer nobody here wrote) answers a POST that creates a resource with 2.01 and its Location-Path, one
     * to an existing resource with 2.04, and a POST to its read-only .well-known/core with 4.05; each answer is written
     * in its device's order.
     */
    @Test
    void libcoapsAnswersLandOnTheResponseTopic(@TempDir Path dir) {
        kafka.createTopic(topic, 1);
        try (LibcoapServer libcoap = LibcoapServer.start(dir)) {
            Map<String, String> c = config(libcoap.uri(), "INSERT INTO \"{{key}}/{{value.leaf}}\" SELECT * FROM " + topic);
            c.put("connect.coap.method", "POST");
            c.put("connect.coap.error.policy", "NOOP");
            sink.run(c);
            kafka.send(topic, "dev", "{\"leaf\":\"k1\",\"v\":1}");
            kafka.send(topic, ".well-known", "{\"leaf\":\"core\"}");
            kafka.send(topic, "dev", "{\"leaf\":\"k1\",\"v\":2}");
            List<ConsumerRecord<byte[], byte[]>> out = kafka.consume(answers, 3, WAIT);
            Map<Long, JsonNode> byOffset = new LinkedHashMap<>();
            out.forEach(r -> byOffset.put(json(r.value()).at("/source/offset").asLong(), json(r.value())));
            assertThat(byOffset.get(0L).at("/response/code").asText()).isEqualTo("2.01");
            assertThat(byOffset.get(0L).at("/response/location_path").asText()).isEqualTo("dev/k1");
            assertThat(byOffset.get(0L).at("/request/uri").asText()).isEqualTo(libcoap.uri() + "/dev/k1");
            assertThat(byOffset.get(1L).get("outcome").asText()).isEqualTo("FAILED");
            assertThat(byOffset.get(1L).at("/response/code").asText()).isEqualTo("4.05");
            assertThat(byOffset.get(2L).at("/response/code").asText()).isEqualTo("2.04");
            assertThat(out).filteredOn(r -> text(r.key()).equals("dev"))
                    .extracting(r -> json(r.value()).at("/source/offset").asLong()).containsExactly(0L, 2L);
            sink.awaitCommitted(topic, 0, 3);
        }
    }
}
