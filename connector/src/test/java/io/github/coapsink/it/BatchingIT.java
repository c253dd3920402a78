package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batching by size and time end to end: a real broker and Connect worker, the Californium test server, and
 * libcoap's coap-server-notls. "One at a time" below means each record is produced only after the worker has read
 * the previous one (Connect's sink-record-read-total), so the records reach the task in separate put() calls.
 */
class BatchingIT {

    private static final Duration WAIT = StandaloneSink.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("batching");

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private CoapTestServer server;
    private String topic;
    private LibcoapServer libcoap;

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        topic = sink.topic();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
        if (libcoap != null) {
            libcoap.close();
        }
    }

    /** The worker's count of records this test's connector read from Kafka. */
    private double recordsRead() throws Exception {
        var mbeans = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = mbeans.queryNames(new ObjectName("kafka.connect:type=sink-task-metrics,*"), null);
        double read = 0;
        for (ObjectName n : names) {
            if (ObjectName.unquote(quoted(n.getKeyProperty("connector"))).equals(sink.name())) {
                read += ((Number) mbeans.getAttribute(n, "sink-record-read-total")).doubleValue();
            }
        }
        return read;
    }

    private static String quoted(String value) {
        return value.startsWith("\"") ? value : "\"" + value + "\"";
    }

    /** Produces the values one at a time: each after the worker read the one before. */
    private void trickle(String key, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            kafka.send(topic, key, values.get(i));
            int read = i + 1;
            await().atMost(WAIT).until(() -> recordsRead() >= read);
        }
    }

    private static List<Integer> seqs(byte[] arrayBody) {
        try {
            JsonNode array = JSON.readTree(arrayBody);
            assertThat(array.isArray()).as(new String(arrayBody, StandardCharsets.UTF_8)).isTrue();
            List<Integer> out = new ArrayList<>();
            array.forEach(node -> out.add(node.get("seq").asInt()));
            return out;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> values(int n) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add("{\"seq\":" + i + "}");
        }
        return values;
    }

    @Test
    void recordsTrickledInSeparatePollsTravelTogetherWithLinger() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = sink.config(server.plainUri(), "INSERT INTO together SELECT * FROM " + topic);
        c.put("connect.coap.batch.max.records", "4");
        c.put("connect.coap.batch.linger.ms", "60000"); // only a full batch goes within the test
        sink.run(c);
        trickle(null, values(4));
        await().atMost(WAIT).until(() -> !server.requests("together").isEmpty());
        sink.awaitCommitted(topic, 0, 4);
        List<ReceivedRequest> requests = server.requests("together");
        assertThat(requests).as("4 records read in 4 polls, in one request").hasSize(1);
        assertThat(seqs(requests.get(0).payload())).containsExactly(0, 1, 2, 3);
    }

    @Test
    void lingerSendsAPartialBatchAfterItsTime() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = sink.config(server.plainUri(), "INSERT INTO trickle SELECT * FROM " + topic);
        c.put("connect.coap.batch.max.records", "50");
        c.put("connect.coap.batch.linger.ms", "200");
        sink.run(c);
        trickle(null, values(3));
        // No record follows: only the linger can send what waits.
        sink.awaitCommitted(topic, 0, 3);
        List<Integer> delivered = new ArrayList<>();
        for (ReceivedRequest r : server.requests("trickle")) {
            List<Integer> batch = seqs(r.payload());
            assertThat(batch.size()).as("a partial batch").isLessThan(50);
            delivered.addAll(batch);
        }
        assertThat(delivered).containsExactly(0, 1, 2);
    }

    @Test
    void aFloodFillsItsRequestsUpToBatchMaxBytes() {
        kafka.createTopic(topic, 2);
        int n = 4_000;
        int devices = 8;
        for (int i = 0; i < n; i++) {
            String value = "{\"seq\":" + i + ",\"pad\":\"0123456789\"}";
            kafka.send(new ProducerRecord<>(topic, i % 2, ("dev" + (i % devices)).getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8)));
        }
        Map<String, String> c = sink.config(server.plainUri(), "INSERT INTO \"flood/{{key}}\" SELECT * FROM " + topic);
        c.put("connect.coap.batch.max.records", "1000");
        c.put("connect.coap.batch.linger.ms", "100");
        sink.run(c);
        sink.awaitCommitted(topic, 0, n / 2);
        sink.awaitCommitted(topic, 1, n / 2);
        List<ReceivedRequest> requests = server.allRequests().stream()
                .filter(r -> r.path().startsWith("flood/")).toList();
        Set<Integer> seen = new TreeSet<>();
        int largest = 0;
        for (ReceivedRequest r : requests) {
            assertThat(r.payloadSize()).as("a batch fits one CoAP message (batch.max.bytes=1024)")
                    .isLessThanOrEqualTo(1024);
            largest = Math.max(largest, r.payloadSize());
            seen.addAll(seqs(r.payload()));
        }
        assertThat(seen).hasSize(n);
        System.out.printf("flood: %d records in %d requests, largest body %d bytes%n", n, requests.size(), largest);
        assertThat(requests.size()).as("records per request well above 1").isLessThan(n / 10);
        assertThat(largest).as("batches filled up to the cap").isGreaterThan(1024 - 40);
    }

    @Test
    void aLingeredBatchReachesLibcoap() {
        libcoap = LibcoapServer.start(dir);
        kafka.createTopic(topic, 1);
        Map<String, String> c = sink.config("coap://127.0.0.1:" + libcoap.port(),
                "INSERT INTO lib/linger SELECT * FROM " + topic);
        c.put("connect.coap.batch.max.records", "10");
        c.put("connect.coap.batch.linger.ms", "200");
        sink.run(c);
        trickle(null, values(2));
        sink.awaitCommitted(topic, 0, 2);
        List<Integer> delivered = new ArrayList<>();
        for (LibcoapServer.Request r : libcoap.requests("lib/linger")) {
            assertThat(r.method()).isEqualTo("PUT");
            delivered.addAll(seqs(r.payload()));
        }
        assertThat(delivered).containsExactly(0, 1);
        assertThat(seqs(libcoap.getBytes("lib/linger"))).as("what libcoap stored: the last batch").endsWith(1);
    }
}
