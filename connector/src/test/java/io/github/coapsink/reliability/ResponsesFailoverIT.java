package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.ConnectDistributedCluster;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.ConnectWorkerProcess;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Answers survive a worker crash (issue 14): a worker in a child JVM is killed with SIGKILL while it writes answers
 * to the response topic. At the moment of the kill, every committed record already has its answer in Kafka; at the
 * end every record has at least one, and the duplicates the crash caused are counted and printed.
 */
@Tag("reliability")
class ResponsesFailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int RECORDS = 3_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedKafka kafka;
    private CoapTestServer server;
    private ConnectDistributedCluster cluster;
    private ConnectWorkerProcess child;

    @BeforeEach
    void start() {
        kafka = EmbeddedKafka.start();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
        server.responseDelay(Duration.ofMillis(5)); // keeps the stream going for several seconds
        server.answerBody((request, response) -> response.setPayload("ok " + request.payloadText().length()));
    }

    @AfterEach
    void stop() {
        try {
            if (child != null) {
                child.close();
            }
        } finally {
            try {
                if (cluster != null) {
                    cluster.close();
                }
            } finally {
                server.close();
                kafka.close();
            }
        }
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long count(String topic) {
        return kafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
    }

    /** An input record, as an answer's {@code source} names it. */
    private record Input(String topic, int partition, long offset) {
    }

    /** The input record of every answer written so far; how often each was answered goes to {@code times}. */
    private Set<Input> answered(String answers, Map<Input, Integer> times) {
        List<ConsumerRecord<byte[], byte[]>> all = kafka.consume(answers, (int) count(answers), WAIT);
        Set<Input> out = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            JsonNode source = json(r.value()).get("source");
            Input input = new Input(source.get("topic").asText(), source.get("partition").asInt(),
                    source.get("offset").asLong());
            times.merge(input, 1, Integer::sum);
            out.add(input);
        }
        return out;
    }

    @Test
    void sigkillOfTheWorkerWritingAnswersLosesNoAnswerAndCommitsNothingUnanswered() {
        String topic = "commands";
        String answers = "command_answers";
        String name = "coap-responses-failover";
        kafka.createTopic(topic, 4);
        kafka.createTopic(answers, 4);
        cluster = ConnectDistributedCluster.start(kafka, 1, Map.of());
        child = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties());
        String childId = child.workerId();
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "4");
        c.put("topics", topic);
        c.put("connect.coap.uri", server.plainUri());
        c.put("connect.coap.kcql", "INSERT INTO cmd SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.method", "POST");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.retry.backoff.max.ms", "2000");
        c.put("connect.coap.max.retries", "100");
        c.put("connect.coap.response.topic", answers);
        c.put("connect.coap.response.producer.bootstrap.servers", kafka.bootstrapServers());
        c.put("offset.flush.interval.ms", "500");
        cluster.createOrUpdateConnector(name, c);
        cluster.awaitStatus(name, "4 tasks RUNNING, one on the child JVM", WAIT,
                s -> s.runningWithTasks(4) && s.tasks().stream().anyMatch(t -> t.workerId().equals(childId)));
        CompletableFuture<Void> producing = Records.produceInBackground(kafka, topic, 0, RECORDS);

        await().atMost(WAIT).until(() -> count(answers) >= RECORDS / 5);
        child.kill();
        assertThat(child.isAlive()).isFalse();
        Map<TopicPartition, Long> committedAtKill = kafka.committedOffsets(ConnectRestClient.sinkGroupId(name));
        long answersAtKill = count(answers);
        System.out.printf("RESPONSES | SIGKILL of worker %s after %d answers; committed then: %s%n", childId,
                answersAtKill, committedAtKill);
        assertThat(answersAtKill).as("killed mid-stream").isLessThan(RECORDS);

        // Every record committed when the worker died has its answer in Kafka: commits never run ahead of answers.
        Set<Input> answeredAtKill = answered(answers, new HashMap<>());
        committedAtKill.forEach((tp, committed) -> {
            for (long offset = 0; offset < committed; offset++) {
                assertThat(answeredAtKill).as("committed %s@%d has its answer", tp, offset)
                        .contains(new Input(topic, tp.partition(), offset));
            }
        });

        child.close();
        child = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties());
        Records.await(producing);
        Map<TopicPartition, Long> end = kafka.endOffsets(topic);
        await().atMost(WAIT).untilAsserted(() -> assertThat(
                kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))).containsAllEntriesOf(end));

        Map<Input, Integer> times = new HashMap<>();
        Set<Input> all = answered(answers, times);
        int lost = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            for (long offset = 0; offset < e.getValue(); offset++) {
                if (!all.contains(new Input(topic, e.getKey().partition(), offset))) {
                    lost++;
                }
            }
        }
        long duplicates = times.values().stream().mapToLong(n -> n - 1).sum();
        System.out.printf("RESPONSES | %d commands, %d answers written, %d lost, %d duplicates (records answered "
                + "again after the crash: at-least-once)%n", RECORDS, count(answers), lost, duplicates);
        assertThat(lost).isZero();
        assertThat(all).hasSize(RECORDS);
        assertThat(count(answers)).isEqualTo(RECORDS + duplicates);
    }
}
