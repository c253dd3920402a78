package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.StandaloneSink;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The delivery pipeline's promises, checked at the server: window, commits, order. */
class PipelineIT {

    private static final Duration WAIT = StandaloneSink.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("pipeline");

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

    private Map<String, String> config(String kcql) {
        return sink.config(server.plainUri(), kcql);
    }

    private static int seq(ReceivedRequest r) {
        try {
            return JSON.readTree(r.payloadText()).get("seq").asInt();
        } catch (Exception e) {
            throw new AssertionError(r.payloadText(), e);
        }
    }

    private static Set<Integer> distinct(List<ReceivedRequest> requests) {
        return requests.stream().map(PipelineIT::seq).collect(Collectors.toSet());
    }

    private ObjectName mbean() throws Exception {
        Set<ObjectName> names = ManagementFactory.getPlatformMBeanServer().queryNames(
                new ObjectName("io.github.coapsink:type=CoapSinkTask,connector=\"" + name + "\",*"), null);
        assertThat(names).hasSize(1);
        return names.iterator().next();
    }

    @Test
    void neverMoreInFlightThanTheWindowAsSeenByTheServer() throws Exception {
        kafka.createTopic(topic, 1);
        Duration delay = Duration.ofMillis(100);
        server.responseDelay(delay);
        int window = 8;
        int n = 200;
        for (int i = 0; i < n; i++) {
            kafka.send(topic, null, "{\"seq\":" + i + "}");
        }
        Map<String, String> c = config("INSERT INTO w SELECT * FROM " + topic);
        c.put("connect.coap.ordering", "NONE");
        c.put("connect.coap.max.in.flight", String.valueOf(window));
        sink.run(c);
        await().atMost(WAIT).until(() -> distinct(server.requests("w")).size() == n);

        // A request is open at the server from its receipt until the delayed answer goes out.
        List<Long> received = server.allRequests("w").stream().map(ReceivedRequest::receivedNanos).sorted().toList();
        int maxOpen = 0;
        for (int i = 0; i < received.size(); i++) {
            long t = received.get(i);
            int open = 0;
            for (int j = 0; j <= i; j++) {
                if (t - received.get(j) < delay.toNanos()) {
                    open++;
                }
            }
            maxOpen = Math.max(maxOpen, open);
        }
        System.out.printf("window %d: at most %d requests open at the server%n", window, maxOpen);
        assertThat(maxOpen).isLessThanOrEqualTo(window).isGreaterThan(1);
        Object maxSeen = ManagementFactory.getPlatformMBeanServer().getAttribute(mbean(), "MaxRequestsInFlight");
        assertThat((Integer) maxSeen).isLessThanOrEqualTo(window);
    }

    @Test
    void nothingIsCommittedPastWhatTheServerAcknowledged() {
        kafka.createTopic(topic, 1);
        int n = 300;
        Map<String, String> c = config("INSERT INTO c SELECT * FROM " + topic);
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "300");
        c.put("connect.coap.retry.backoff.max.ms", "1000");
        c.put("connect.coap.max.retries", "1000");
        c.put("connect.coap.request.timeout.ms", "1000");
        c.put("connect.coap.ack.timeout.ms", "200");
        c.put("connect.coap.ordering", "NONE");
        sink.run(c);
        AtomicInteger stopAt = new AtomicInteger(100);
        server.onRequest(r -> {
            if (distinct(server.requests("c")).size() >= stopAt.get() && server.isRunning()) {
                stopAt.set(Integer.MAX_VALUE);
                new Thread(server::stop, "stop-server").start();
            }
        });
        for (int i = 0; i < n; i++) {
            kafka.send(topic, null, "{\"seq\":" + i + "}");
        }
        await().atMost(WAIT).until(() -> !server.isRunning());
        TopicPartition tp = new TopicPartition(topic, 0);
        // While the server is away, commits keep happening (offset.flush.interval.ms=500) but never pass a gap.
        List<Long> committed = new ArrayList<>();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long offset = sink.committed(topic, 0);
            committed.add(offset);
            Set<Integer> delivered = distinct(server.requests("c"));
            long contiguous = 0;
            while (delivered.contains((int) contiguous)) {
                contiguous++;
            }
            assertThat(offset).as("committed offset vs contiguous prefix the server acknowledged").isLessThanOrEqualTo(contiguous);
        });
        System.out.printf("server stopped after %d records; committed offsets seen meanwhile: %s%n",
                distinct(server.requests("c")).size(), new LinkedHashSet<>(committed));
        server.start();
        await().atMost(WAIT).until(() -> distinct(server.requests("c")).size() == n);
        sink.awaitCommitted(topic, 0, n);
    }

    @Test
    void batchesCarrySeveralRecordsAsJsonArraysAndLoseNone() throws Exception {
        kafka.createTopic(topic, 2);
        int n = 1_000;
        for (int i = 0; i < n; i++) {
            kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, i % 2, null,
                    ("{\"seq\":" + i + "}").getBytes()));
        }
        Map<String, String> c = config("INSERT INTO b SELECT * FROM " + topic);
        c.put("connect.coap.batch.max.records", "50");
        sink.run(c);
        Set<Integer> seen = new java.util.HashSet<>();
        await().atMost(WAIT).until(() -> {
            seen.clear();
            for (ReceivedRequest r : server.requests("b")) {
                JSON.readTree(r.payloadText()).forEach(node -> seen.add(node.get("seq").asInt()));
            }
            return seen.size() == n;
        });
        List<ReceivedRequest> requests = server.requests("b");
        assertThat(requests).allSatisfy(r -> assertThat(JSON.readTree(r.payloadText()).isArray()).isTrue());
        assertThat(requests.size()).as("requests for %d records", n).isLessThan(n / 10);
        System.out.printf("batching: %d records in %d requests%n", n, requests.size());
        sink.awaitCommitted(topic, 0, n / 2);
        sink.awaitCommitted(topic, 1, n / 2);
    }

    @Test
    void orderPerPartitionAndResourceSurvivesLossAndRetries() {
        kafka.createTopic(topic, 2);
        server.dropRatio(0.3, 42);
        int perPartition = 60;
        Map<String, String> c = config("INSERT INTO o SELECT * FROM " + topic);
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "100");
        c.put("connect.coap.retry.backoff.max.ms", "1000");
        c.put("connect.coap.max.retries", "1000");
        c.put("connect.coap.ack.timeout.ms", "50");
        c.put("connect.coap.max.retransmit", "2");
        c.put("connect.coap.request.timeout.ms", "2000");
        sink.run(c);
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < 2; p++) {
                kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, p, null,
                        ("{\"p\":" + p + ",\"seq\":" + i + "}").getBytes()));
            }
        }
        await().atMost(WAIT).until(() -> distinct(server.requests("o")).size() == perPartition);
        await().atMost(WAIT).until(() -> server.requests("o").size() >= 2 * perPartition
                && server.requests("o").stream().map(r -> r.payloadText()).distinct().count() == 2L * perPartition);
        long dropped = server.allRequests("o").stream().filter(ReceivedRequest::dropped).count();
        for (int p = 0; p < 2; p++) {
            String marker = "\"p\":" + p + ",";
            List<Integer> processed = server.requests("o").stream().filter(r -> r.payloadText().contains(marker))
                    .map(PipelineIT::seq).toList();
            // A RETRY resend may repeat the newest state, never bring back an older one.
            for (int i = 1; i < processed.size(); i++) {
                assertThat(processed.get(i)).as("partition %d, request %d of %s", p, i, processed)
                        .isGreaterThanOrEqualTo(processed.get(i - 1));
            }
            System.out.printf("partition %d: %d processed for %d records (%d datagrams dropped in all)%n",
                    p, processed.size(), perPartition, dropped);
        }
        assertThat(dropped).as("the server dropped requests, so retransmissions happened").isPositive();
    }
}
