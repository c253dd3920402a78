package io.github.coapsink;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.send.SendResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batching by size and linger, against a sender and a clock the test controls. */
class CoapSinkTaskBatchingTest {

    private static final TopicPartition TP = new TopicPartition("coap_topic", 0);
    private static final long LINGER_MS = 100;

    private final ManualSender sender = new ManualSender();
    private final CoapSinkTaskTest.FakeContext context = new CoapSinkTaskTest.FakeContext();
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private CoapSinkTask task;

    private void start(Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>();
        props.put(CoapSinkConfig.URI, "coap://127.0.0.1:5683");
        props.put(CoapSinkConfig.KCQL, "INSERT INTO \"d/{{key}}\" SELECT * FROM coap_topic");
        props.put("topics", "coap_topic");
        props.put(CoapSinkConfig.BATCH_MAX_RECORDS, "10");
        props.put(CoapSinkConfig.BATCH_LINGER_MS, String.valueOf(LINGER_MS));
        props.putAll(overrides);
        task = new CoapSinkTask(config -> sender, now::get);
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    private static SinkRecord record(String key, long offset) {
        return new SinkRecord("coap_topic", 0, Schema.STRING_SCHEMA, key, Schema.STRING_SCHEMA,
                "{\"n\":" + offset + "}", offset);
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() {
        return task.preCommit(Map.of(TP, new OffsetAndMetadata(0)));
    }

    private List<String> payloads() {
        return sender.sent().stream().map(ManualSender.Sent::payload).toList();
    }

    @Test
    void lingerSendsAPartialBatchAfterItsTimeWithoutFurtherRecords() {
        start(Map.of());
        task.put(List.of(record("a", 0), record("a", 1)));
        assertThat(sender.sent()).as("the batch waits for more records").isEmpty();
        assertThat(context.timeout).as("Connect is asked to call put() again once the batch is due")
                .isBetween(1L, LINGER_MS);
        assertThat(committed()).as("nothing committed while the records wait").doesNotContainKey(TP);

        advanceMillis(LINGER_MS - 1);
        task.put(List.of());
        assertThat(sender.sent()).isEmpty();

        advanceMillis(1);
        task.put(List.of());
        assertThat(payloads()).as("sent without further records, both in one request")
                .containsExactly("[{\"n\":0},{\"n\":1}]");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(2));
    }

    @Test
    void recordsOfSeveralPutsTravelTogetherWithLinger() {
        start(Map.of());
        task.put(List.of(record("a", 0)));
        advanceMillis(40);
        task.put(List.of(record("a", 1)));
        advanceMillis(40);
        task.put(List.of(record("a", 2)));
        assertThat(sender.sent()).isEmpty();
        advanceMillis(20);
        task.put(List.of());
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1},{\"n\":2}]");
    }

    @Test
    void preCommitSendsADueBatchAndNotBefore() {
        start(Map.of());
        task.put(List.of(record("a", 0)));
        committed();
        assertThat(sender.sent()).as("not due yet").isEmpty();
        advanceMillis(LINGER_MS);
        assertThat(committed()).as("sent by preCommit, not yet acknowledged").containsEntry(TP, new OffsetAndMetadata(0));
        assertThat(payloads()).containsExactly("[{\"n\":0}]");
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(1));
    }

    @Test
    void committableOffsetsNeverPassALingeringRecord() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "2", CoapSinkConfig.TOMBSTONE_POLICY, "SKIP"));
        SinkRecord tombstone = new SinkRecord("coap_topic", 0, Schema.STRING_SCHEMA, "c", null, null, 3);
        task.put(List.of(record("a", 0), record("b", 1), record("b", 2), tombstone));
        assertThat(payloads()).as("b's batch is full and goes; a's lingers").containsExactly("[{\"n\":1},{\"n\":2}]");
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).as("1..3 are done, 0 still waits in its batch").containsEntry(TP, new OffsetAndMetadata(0));

        advanceMillis(LINGER_MS);
        task.put(List.of());
        assertThat(payloads()).hasSize(2).last().isEqualTo("[{\"n\":0}]");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(4));
    }

    @Test
    void interleavedDevicesFillTheirOwnBatchesAndARequestOfALaneNeverOvertakesItsBatch() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "3", CoapSinkConfig.TOMBSTONE_POLICY, "DELETE",
                CoapSinkConfig.ORDERING, "NONE"));
        SinkRecord deleteA = new SinkRecord("coap_topic", 0, Schema.STRING_SCHEMA, "a", null, null, 4);
        task.put(List.of(record("a", 0), record("b", 1), record("a", 2), record("b", 3), deleteA, record("b", 5)));
        assertThat(sender.sent()).extracting(s -> s.request().resource(), ManualSender.Sent::payload).containsExactly(
                org.assertj.core.groups.Tuple.tuple("d/a", "[{\"n\":0},{\"n\":2}]"),
                org.assertj.core.groups.Tuple.tuple("d/a", ""),
                org.assertj.core.groups.Tuple.tuple("d/b", "[{\"n\":1},{\"n\":3},{\"n\":5}]"));
    }

    @Test
    void aRedeliveredBatchDoesNotAddHeldRecordsTwice() {
        start(Map.of());
        List<SinkRecord> batch = List.of(record("a", 0), record("a", 1));
        task.put(batch);
        task.put(batch); // as after a RetriableException
        advanceMillis(LINGER_MS);
        task.put(List.of());
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]");
    }

    @Test
    void aRevokedPartitionDropsItsLingeringRecordsAndTakesThemAgainWhenItComesBack() {
        start(Map.of());
        task.put(List.of(record("a", 0), record("a", 1)));
        task.close(List.of(TP));
        advanceMillis(LINGER_MS);
        task.put(List.of());
        assertThat(sender.sent()).as("dropped: their new owner consumes them again").isEmpty();
        assertThat(committed()).doesNotContainKey(TP);

        task.put(List.of(record("a", 0), record("a", 1))); // assigned again, consumed from the committed offset
        advanceMillis(LINGER_MS);
        task.put(List.of());
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]");
    }

    @Test
    void stopDropsTheLingeringRecordsWithoutSendingThem() {
        start(Map.of());
        task.put(List.of(record("a", 0), record("b", 1)));
        assertThat(committed()).doesNotContainKey(TP);
        task.stop();
        task = null;
        advanceMillis(LINGER_MS);
        assertThat(sender.sent()).as("consumed again by the next task").isEmpty();
        assertThat(sender.closed).isTrue();
    }

    @Test
    void aDueBatchWaitsInTheBatcherWhileTheWindowIsFullAndGoesOnceThereIsRoom() {
        start(Map.of(CoapSinkConfig.MAX_IN_FLIGHT, "2", CoapSinkConfig.BATCH_MAX_RECORDS, "2",
                CoapSinkConfig.ORDERING, "NONE"));
        task.put(List.of(record("a", 0), record("a", 1), record("b", 2)));
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]");
        advanceMillis(LINGER_MS);
        task.put(List.of()); // the window is full: b's batch stays held, nothing is lost or rewound
        assertThat(sender.sent()).hasSize(1);
        assertThat(context.rewound).isEmpty();
        assertThat(context.timeout).isPositive();
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).as("preCommit sends it now that there is room").containsEntry(TP, new OffsetAndMetadata(2));
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]", "[{\"n\":2}]");
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(3));
    }

    @Test
    void aFullWindowRewindsToTheFirstRecordNotTakenKeepsTheHeldOnesAndLosesNothing() {
        start(Map.of(CoapSinkConfig.MAX_IN_FLIGHT, "1", CoapSinkConfig.BATCH_MAX_RECORDS, "2",
                CoapSinkConfig.ORDERING, "NONE"));
        List<SinkRecord> all = List.of(record("a", 0), record("a", 1), record("b", 2), record("c", 3), record("d", 4),
                record("e", 5), record("f", 6), record("b", 7));
        // a's batch fills the window; b to e linger; then the records held reach 4 × the window, the oldest batch
        // (b's) finds no room, and the partition is given back from the record that could not be taken.
        task.put(all);
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]");
        assertThat(context.rewound).containsEntry(TP, 6L);
        assertThat(context.paused).containsExactly(TP);
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).as("held records bound the commit").containsEntry(TP, new OffsetAndMetadata(2));

        for (int round = 0; round < 20 && !committed().get(TP).equals(new OffsetAndMetadata(8)); round++) {
            Long from = context.rewound.remove(TP); // Connect redelivers from the rewound offset
            task.put(from == null ? List.of() : all.subList(from.intValue(), all.size()));
            advanceMillis(LINGER_MS);
            sender.completeAll(SendResult.delivered("2.04"));
        }
        List<Long> delivered = payloads().stream()
                .flatMap(p -> java.util.Arrays.stream(p.replaceAll("[^0-9,]", "").split(",")))
                .map(Long::valueOf).sorted().toList();
        assertThat(delivered).as("each record once").containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(8));
    }

    @Test
    void aRecordLargerThanTheBatchCapIsSentAloneAndTheOthersStillBatch() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_BYTES, "20", CoapSinkConfig.BATCH_LINGER_MS, "0"));
        SinkRecord large = new SinkRecord("coap_topic", 0, Schema.STRING_SCHEMA, "a", Schema.STRING_SCHEMA,
                "{\"text\":\"" + "x".repeat(40) + "\"}", 2);
        task.put(List.of(record("a", 0), record("a", 1), large, record("a", 3)));
        sender.completeAll(SendResult.delivered("2.04"));
        task.put(List.of());
        sender.completeAll(SendResult.delivered("2.04"));
        task.put(List.of());
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":1}]", "{\"text\":\"" + "x".repeat(40) + "\"}",
                "[{\"n\":3}]");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(4));
    }

    @Test
    void withoutLingerEachPutSendsWhatItGathered() {
        start(Map.of(CoapSinkConfig.BATCH_LINGER_MS, "0"));
        task.put(List.of(record("a", 0), record("b", 1), record("a", 2)));
        assertThat(payloads()).containsExactly("[{\"n\":0},{\"n\":2}]", "[{\"n\":1}]");
    }
}
