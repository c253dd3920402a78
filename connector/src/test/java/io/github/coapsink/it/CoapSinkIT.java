package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testing.StandaloneSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink end to end: a real KRaft broker, Kafka's own Connect runtime (standalone worker) with the
 * connector found through its META-INF/services file, and a real Californium server on 127.0.0.1.
 */
class CoapSinkIT {

    private static final Duration WAIT = StandaloneSink.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("coap-sink");

    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;
    private CoapTestServer server;
    private String name;
    private String topic;

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        connect = sink.connect();
        name = sink.name();
        topic = sink.topic();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    /** The seed QuickStart's connector properties, pointed at the test server. */
    private Map<String, String> seedConfig(String kcql) {
        return sink.config(server.plainUri(), kcql);
    }

    private void run(Map<String, String> config) {
        sink.run(config);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static String user(String first, String last, int age, double salary) {
        return "{\"firstName\":\"" + first + "\",\"lastName\":\"" + last + "\",\"age\":" + age + ",\"salary\":" + salary + "}";
    }

    /** JsonConverter's envelope: the seed's User record with its schema, as Connect delivers Avro too (a Struct). */
    private static String userWithSchema(String first, String last, int age, double salary) {
        return "{\"schema\":{\"type\":\"struct\",\"name\":\"User\",\"optional\":false,\"fields\":["
                + "{\"field\":\"firstName\",\"type\":\"string\",\"optional\":false},"
                + "{\"field\":\"lastName\",\"type\":\"string\",\"optional\":false},"
                + "{\"field\":\"age\",\"type\":\"int32\",\"optional\":false},"
                + "{\"field\":\"salary\",\"type\":\"double\",\"optional\":false},"
                + "{\"field\":\"address\",\"type\":\"struct\",\"optional\":true,\"fields\":["
                + "{\"field\":\"city\",\"type\":\"string\",\"optional\":true}]}]},"
                + "\"payload\":{\"firstName\":\"" + first + "\",\"lastName\":\"" + last + "\",\"age\":" + age
                + ",\"salary\":" + salary + ",\"address\":{\"city\":\"Leeds\"}}}";
    }

    private void awaitCommitted(String topic, long offset) {
        sink.awaitCommitted(topic, 0, offset);
    }

    @Test
    void structWithSchemaArrivesAsJsonWithProjection() {
        kafka.createTopic(topic, 1);
        Map<String, String> config = seedConfig(
                "INSERT INTO sensors/room1 SELECT firstName AS name, age, address.city AS city FROM " + topic);
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "true");
        run(config);
        kafka.send(topic, null, userWithSchema("John", "Smith", 30, 4830));
        await().atMost(WAIT).until(() -> server.requests("sensors/room1").size() == 1);
        ReceivedRequest r = server.requests("sensors/room1").get(0);
        assertThat(r.method()).isEqualTo(Code.PUT);
        assertThat(r.contentFormat()).isEqualTo(50);
        assertThat(r.confirmable()).isTrue();
        assertThat(r.payloadText()).isEqualTo("{\"name\":\"John\",\"age\":30,\"city\":\"Leeds\"}");
        awaitCommitted(topic, 1);
    }

    @Test
    void stringHoldingJsonWithIgnore() {
        kafka.createTopic(topic, 1);
        run(seedConfig("INSERT INTO unsecure SELECT * FROM " + topic + " IGNORE salary"));
        kafka.send(topic, null, user("John", "Smith", 30, 4830));
        kafka.send(topic, null, user("Jane", "Doe", 41, 5210.5));
        await().atMost(WAIT).until(() -> server.requests("unsecure").size() == 2);
        List<String> payloads = server.requests("unsecure").stream().map(ReceivedRequest::payloadText).toList();
        assertThat(payloads).containsExactly("{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30}",
                "{\"firstName\":\"Jane\",\"lastName\":\"Doe\",\"age\":41}");
        awaitCommitted(topic, 2);
    }

    @Test
    void schemalessJsonMapWithSelectStarAndRename() {
        kafka.createTopic(topic, 1);
        Map<String, String> config = seedConfig("INSERT INTO people SELECT *, lastName AS surname FROM " + topic);
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "false");
        run(config);
        kafka.send(topic, null, user("John", "Smith", 30, 4830));
        await().atMost(WAIT).until(() -> server.requests("people").size() == 1);
        JsonNode body = json(server.requests("people").get(0).payloadText());
        assertThat(body.get("surname").asText()).isEqualTo("Smith");
        assertThat(body.has("lastName")).isFalse();
        assertThat(body.get("salary").asDouble()).isEqualTo(4830.0);
    }

    @Test
    void twoRoutesAndPost() {
        String other = topic + "_b";
        kafka.createTopic(topic, 1);
        kafka.createTopic(other, 1);
        Map<String, String> config = seedConfig("INSERT INTO a SELECT firstName FROM " + topic
                + "; INSERT INTO `b/c` SELECT age FROM " + other);
        config.put("topics", topic + "," + other);
        config.put("connect.coap.method", "POST");
        run(config);
        kafka.send(topic, null, user("John", "Smith", 30, 4830));
        kafka.send(other, null, user("Jane", "Doe", 41, 5210.5));
        await().atMost(WAIT).until(() -> server.requests("a").size() == 1 && server.requests("b/c").size() == 1);
        assertThat(server.requests("a").get(0).method()).isEqualTo(Code.POST);
        assertThat(server.requests("a").get(0).payloadText()).isEqualTo("{\"firstName\":\"John\"}");
        assertThat(server.requests("b/c").get(0).payloadText()).isEqualTo("{\"age\":41}");
    }

    @Test
    void serverDownAtStartUnderRetryLosesNothing() {
        kafka.createTopic(topic, 1);
        server.stop();
        Map<String, String> config = seedConfig("INSERT INTO unsecure SELECT * FROM " + topic);
        config.put("connect.coap.error.policy", "RETRY");
        config.put("connect.coap.retry.interval", "500");
        config.put("connect.coap.retry.backoff.max.ms", "1000");
        config.put("connect.coap.max.retries", "1000");
        config.put("connect.coap.request.timeout.ms", "1000");
        config.put("connect.coap.ack.timeout.ms", "200");
        int n = 50;
        try (LogCapture logs = LogCapture.start()) {
            run(config);
            for (int i = 0; i < n; i++) {
                kafka.send(topic, null, "{\"seq\":" + i + "}");
            }
            // The task fails and backs off several times while the server is away, and stays RUNNING.
            await().atMost(WAIT).until(() -> logs.count("other resources go on") >= 3);
            assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
            assertThat(kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                    .getOrDefault(new TopicPartition(topic, 0), 0L)).as("nothing committed while the server is down").isZero();
            assertThat(logs.all()).contains("timed out after 1000 ms");
        }
        server.start();
        await().atMost(WAIT).until(() -> distinctSeqs(server.requests("unsecure")).size() == n);
        List<ReceivedRequest> all = server.requests("unsecure");
        Set<Integer> seqs = distinctSeqs(all);
        assertThat(seqs).hasSize(n);
        int duplicates = all.size() - seqs.size();
        System.out.printf("server-down-at-start: sent %d, delivered %d distinct, %d duplicates%n", n, seqs.size(), duplicates);
        assertThat(all.stream().map(r -> json(r.payloadText()).get("seq").asInt()).toList())
                .as("one partition, one resource: order kept").isSorted();
        awaitCommitted(topic, n);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    private static Set<Integer> distinctSeqs(List<ReceivedRequest> requests) {
        return requests.stream().map(r -> json(r.payloadText()).get("seq").asInt()).collect(Collectors.toSet());
    }

    @Test
    void notFoundUnderThrowFailsTheTaskAndCommitsNothing() {
        kafka.createTopic(topic, 1);
        server.respondWith("missing", ResponseCode.NOT_FOUND);
        run(seedConfig("INSERT INTO missing SELECT * FROM " + topic));
        kafka.send(topic, null, user("John", "Smith", 30, 4830));
        ConnectRestClient.TaskStatus failed = connect.awaitTaskFailed(name, 0, WAIT);
        assertThat(failed.trace()).contains("4.04").contains(topic + "-0@0").contains("error policy THROW");
        assertThat(kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))
                .getOrDefault(new TopicPartition(topic, 0), 0L)).isZero();
    }

    @Test
    void notFoundUnderNoopSkipsAndContinues() {
        kafka.createTopic(topic, 1);
        server.respondWith("missing", ResponseCode.NOT_FOUND);
        String other = topic + "_ok";
        kafka.createTopic(other, 1);
        Map<String, String> config = seedConfig("INSERT INTO missing SELECT * FROM " + topic
                + "; INSERT INTO fine SELECT * FROM " + other);
        config.put("topics", topic + "," + other);
        config.put("connect.coap.error.policy", "NOOP");
        run(config);
        kafka.send(topic, null, "{\"n\":1}");
        kafka.send(topic, null, "{\"n\":2}");
        kafka.send(other, null, "{\"n\":3}");
        await().atMost(WAIT).until(() -> server.requests("fine").size() == 1);
        awaitCommitted(topic, 2);
        assertThat(server.allRequests("missing")).hasSize(2);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void notFoundAndBadJsonGoToTheDeadLetterQueue() {
        kafka.createTopic(topic, 1);
        String dlq = topic + "_dlq";
        server.respondWith("missing", ResponseCode.NOT_FOUND);
        Map<String, String> config = seedConfig("INSERT INTO missing SELECT * FROM " + topic);
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", dlq);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        run(config);
        kafka.send(topic, null, "{\"n\":1}");
        kafka.send(topic, null, "this is not JSON");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 2, WAIT);
        assertThat(dead).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("{\"n\":1}", "this is not JSON");
        Map<String, String> headers = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            for (Header h : r.headers()) {
                headers.merge(h.key(), new String(h.value(), StandardCharsets.UTF_8), (a, b) -> a + " | " + b);
            }
        }
        assertThat(headers.get("__connect.errors.exception.message")).contains("4.04").contains("not a JSON document");
        assertThat(headers.get("__connect.errors.topic")).contains(topic);
        awaitCommitted(topic, 2);
        assertThat(connect.connectorStatus(name).task(0).orElseThrow().state()).isEqualTo("RUNNING");
    }

    @Test
    void invalidJsonStringFailsTheTaskUnderThrowOrIsWrapped() {
        kafka.createTopic(topic, 1);
        run(seedConfig("INSERT INTO text SELECT * FROM " + topic));
        kafka.send(topic, null, "hello coap");
        ConnectRestClient.TaskStatus failed = connect.awaitTaskFailed(name, 0, WAIT);
        assertThat(failed.trace()).contains("not a JSON document").contains("connect.coap.plain.string.policy");
        assertThat(server.allRequests()).isEmpty();

        Map<String, String> config = seedConfig("INSERT INTO text SELECT * FROM " + topic);
        config.put("connect.coap.plain.string.policy", "WRAP");
        connect.createOrUpdateConnector(name, config);
        await().atMost(WAIT).until(() -> server.requests("text").size() == 1);
        assertThat(server.requests("text").get(0).payloadText()).isEqualTo("\"hello coap\"");
    }

    @Test
    void tombstonesAreSkippedOrDeleteTheResource() {
        kafka.createTopic(topic, 1);
        Map<String, String> config = seedConfig("INSERT INTO thing SELECT * FROM " + topic);
        config.put("connect.coap.tombstone.policy", "DELETE");
        run(config);
        kafka.send(topic, "k", "{\"on\":true}");
        kafka.send(topic, "k", null);
        await().atMost(WAIT).until(() -> server.requests("thing").size() == 2);
        assertThat(server.requests("thing")).extracting(ReceivedRequest::method).containsExactly(Code.PUT, Code.DELETE);
        awaitCommitted(topic, 2);
    }

    @Test
    void validateNamesTheKeyAndTheFix() {
        Map<String, String> config = seedConfig("INSERT INTO x SELECT a AS b, c AS b FROM " + topic);
        ConnectRestClient.ConfigValidation result = connect.validate("CoapSinkConnector", config);
        assertThat(result.errorsFor("connect.coap.kcql")).anySatisfy(e -> assertThat(e).contains("position"));

        config = seedConfig("INSERT INTO x SELECT * FROM elsewhere");
        result = connect.validate("CoapSinkConnector", config);
        assertThat(result.errorsFor("connect.coap.kcql")).anySatisfy(e -> assertThat(e)
                .contains("[" + topic + "]").contains("INSERT INTO <resource> SELECT * FROM " + topic));

        config = seedConfig("INSERT INTO x SELECT * FROM " + topic);
        config.put("connect.coap.uri", "http://127.0.0.1:5683");
        result = connect.validate("CoapSinkConnector", config);
        assertThat(result.errorsFor("connect.coap.uri")).anySatisfy(e -> assertThat(e).contains("coap://"));

        config = seedConfig("INSERT INTO x SELECT * FROM " + topic);
        config.put("connect.coap.uri", "coaps://127.0.0.1:5684");
        config.put("connect.coap.username", "sink");
        result = connect.validate("CoapSinkConnector", config);
        assertThat(result.errorsFor("connect.coap.password")).isNotEmpty();

        assertThat(connect.validate("CoapSinkConnector", seedConfig("INSERT INTO x SELECT * FROM " + topic)).errorCount())
                .isZero();
    }

    @Test
    void pluginReportsItsBuildVersion() {
        assertThat(connect.connectorPlugins(true)).anySatisfy(p -> {
            assertThat(p.className()).isEqualTo("io.github.coapsink.CoapSinkConnector");
            assertThat(p.version()).isEqualTo(System.getProperty("coapsink.version"));
        });
    }

    @Test
    void seedPropertiesOnlyChangingTheConnectorClass() {
        kafka.createTopic(topic, 1);
        Map<String, String> config = new HashMap<>();
        config.put("name", name);
        config.put("tasks.max", "1");
        config.put("connector.class", "CoapSinkConnector");
        config.put("connect.coap.uri", server.plainUri());
        config.put("connect.coap.kcql", "INSERT INTO unsecure SELECT * FROM " + topic);
        config.put("topics", topic);
        config.put("connect.progress.enabled", "true");
        config.put("connect.coap.max.retires", "3");
        config.put("connect.coap.host", "127.0.0.1"); // tests bind only to loopback
        run(config);
        kafka.send(topic, null, user("John", "Smith", 30, 4830));
        await().atMost(WAIT).until(() -> server.requests("unsecure").size() == 1);
        assertThat(new HashSet<>(List.of(server.requests("unsecure").get(0).payloadText())))
                .containsExactly(user("John", "Smith", 30, 4830.0));
    }
}
