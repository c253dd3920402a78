package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The batcher alone, with a clock the test moves. */
class BatcherTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final Route ROUTE = KcqlParser.parse("INSERT INTO \"devices/{{key}}\" SELECT * FROM t").get(0);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RequestFactory requests = new RequestFactory(new PayloadEncoder(PlainStringPolicy.FAIL,
            PayloadFormat.JSON, 0, PayloadEncoder.SenmlSettings.defaults()), RequestMethod.PUT, true,
            TombstonePolicy.SKIP, 4096);

    private Batcher batcher(int maxRecords, int maxBytes, long lingerMillis) {
        return new Batcher(maxRecords, maxBytes, lingerMillis, requests, now::get);
    }

    private static SinkRecord record(String key, long offset, String value) {
        return new SinkRecord("t", 0, null, key, null, value, offset);
    }

    private OutgoingRequest request(SinkRecord record) {
        return ((RequestFactory.Send) requests.build(record, ROUTE)).request();
    }

    /** Adds as the task does: what blocks the record goes first (into {@code sent}). */
    private void offer(Batcher b, SinkRecord record, List<Batcher.Group> sent) {
        OutgoingRequest request = request(record);
        Batcher.Group first = b.blocking(record, request);
        if (first != null) {
            b.sent(first);
            sent.add(first);
        }
        Batcher.Group full = b.add(record, ROUTE, request);
        if (full != null) {
            b.sent(full);
            sent.add(full);
        }
    }

    private static String body(Batcher.Group group) {
        return new String(group.request().payload(), StandardCharsets.UTF_8);
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void aBatchNeverExceedsItsByteCap() {
        Batcher b = batcher(100, 20, 0);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            offer(b, record("a", i, "{\"n\":" + (10 + i) + "}"), sent); // 8 bytes each
        }
        sent.addAll(b.due());
        assertThat(sent).extracting(BatcherTest::body)
                .containsExactly("[{\"n\":10},{\"n\":11}]", "[{\"n\":12},{\"n\":13}]", "[{\"n\":14}]");
        assertThat(sent).allSatisfy(g -> assertThat(g.request().payload().length).isLessThanOrEqualTo(20));
    }

    @Test
    void aRecordOverTheByteCapIsNotBatchedButTheOthersAre() {
        Batcher b = batcher(100, 20, 0);
        String large = "{\"text\":\"" + "x".repeat(30) + "\"}";
        assertThat(b.batchable(request(record("a", 0, large)))).as("sent alone, never dropped").isFalse();
        assertThat(b.batchable(request(record("a", 1, "{\"n\":1}")))).isTrue();
        OutgoingRequest delete = request(record("a", 2, "{}"));
        assertThat(b.batchable(new OutgoingRequest(delete.address(), OutgoingRequest.Method.DELETE, new byte[0], true,
                OutgoingRequest.JSON, delete.options()))).isFalse();
    }

    @Test
    void theByteCapIsNeverAboveTheMaximumPayload() {
        Batcher b = batcher(100, 1_000_000, 0);
        String value = "{\"text\":\"" + "x".repeat(4085) + "\"}"; // 4096 bytes: fits the payload, not as an array
        assertThat(b.batchable(request(record("a", 0, value)))).isFalse();
    }

    @Test
    void aLingeringBatchIsDueOnlyOnceItsLingerIsOver() {
        Batcher b = batcher(10, 1024, 50);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        offer(b, record("a", 0, "{}"), sent);
        advanceMillis(30);
        offer(b, record("a", 1, "{}"), sent);
        assertThat(b.due()).isEmpty();
        assertThat(b.nanosUntilDue()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        advanceMillis(19);
        assertThat(b.due()).as("1 ms before the linger is over").isEmpty();
        advanceMillis(1);
        List<Batcher.Group> due = b.due();
        assertThat(due).extracting(BatcherTest::body).containsExactly("[{},{}]");
        assertThat(due.get(0).records()).extracting(SinkRecord::kafkaOffset).containsExactly(0L, 1L);
        assertThat(b.nanosUntilDue()).isZero();
        b.sent(due.get(0));
        assertThat(b.held()).isZero();
        assertThat(b.nanosUntilDue()).isEqualTo(-1);
        assertThat(sent).isEmpty();
    }

    @Test
    void withoutLingerEveryBatchIsDueAtOnce() {
        Batcher b = batcher(10, 1024, 0);
        offer(b, record("a", 0, "{}"), new java.util.ArrayList<>());
        assertThat(b.due()).hasSize(1);
        assertThat(b.nanosUntilDue()).isZero();
    }

    @Test
    void aBatchFullByCountIsReturnedAtOnce() {
        Batcher b = batcher(2, 1024, 60_000);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        offer(b, record("a", 0, "{\"n\":0}"), sent);
        assertThat(sent).isEmpty();
        offer(b, record("a", 1, "{\"n\":1}"), sent);
        assertThat(sent).extracting(BatcherTest::body).containsExactly("[{\"n\":0},{\"n\":1}]");
        assertThat(b.held()).isZero();
    }

    @Test
    void interleavedDevicesOfOnePartitionEachFillTheirOwnBatch() {
        Batcher b = batcher(3, 1024, 100);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            offer(b, record(i % 2 == 0 ? "a" : "b", i, "{\"n\":" + i + "}"), sent);
        }
        assertThat(sent).extracting(g -> g.request().address().text(), BatcherTest::body).containsExactly(
                org.assertj.core.groups.Tuple.tuple("devices/a", "[{\"n\":0},{\"n\":2},{\"n\":4}]"),
                org.assertj.core.groups.Tuple.tuple("devices/b", "[{\"n\":1},{\"n\":3},{\"n\":5}]"));
    }

    @Test
    void theOldestHeldOffsetOfEachPartitionBoundsItsCommit() {
        Batcher b = batcher(10, 1024, 100);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        offer(b, record("a", 5, "{}"), sent);
        offer(b, record("b", 6, "{}"), sent);
        offer(b, record("a", 7, "{}"), sent);
        SinkRecord other = new SinkRecord("t", 1, null, "a", null, "{}", 40);
        b.add(other, ROUTE, request(other));
        assertThat(b.oldestOffsets()).isEqualTo(Map.of(TP, 5L, new TopicPartition("t", 1), 40L));
        Batcher.Group laneA = b.lane(record("a", 8, "{}"), request(record("a", 8, "{}")).address());
        assertThat(laneA.records()).extracting(SinkRecord::kafkaOffset).containsExactly(5L, 7L);
        b.sent(laneA);
        assertThat(b.oldestOffsets()).containsEntry(TP, 6L);
        assertThat(b.seen(TP, 7)).as("sent since: a redelivery of it is skipped").isTrue();
        assertThat(b.seen(TP, 8)).isFalse();
    }

    @Test
    void droppingRevokedPartitionsForgetsTheirRecords() {
        Batcher b = batcher(10, 1024, 100);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        offer(b, record("a", 5, "{}"), sent);
        SinkRecord other = new SinkRecord("t", 1, null, "a", null, "{}", 40);
        b.add(other, ROUTE, request(other));
        assertThat(b.drop(List.of(TP))).isEqualTo(1);
        assertThat(b.held()).isEqualTo(1);
        assertThat(b.seen(TP, 5)).as("consumed again after the partition comes back").isFalse();
        assertThat(b.oldestOffsets()).containsOnlyKeys(new TopicPartition("t", 1));
        assertThat(b.clear()).isEqualTo(1);
        assertThat(b.held()).isZero();
        assertThat(b.oldest()).isNull();
    }

    @Test
    void dueBatchesComeOldestFirst() {
        Batcher b = batcher(10, 1024, 10);
        List<Batcher.Group> sent = new java.util.ArrayList<>();
        offer(b, record("a", 0, "{}"), sent);
        advanceMillis(5);
        offer(b, record("b", 1, "{}"), sent);
        advanceMillis(5);
        assertThat(b.due()).extracting(g -> g.request().address().text()).containsExactly("devices/a");
        advanceMillis(5);
        assertThat(b.due()).extracting(g -> g.request().address().text()).containsExactly("devices/a", "devices/b");
        assertThat(b.oldest().request().address().text()).isEqualTo("devices/a");
    }
}
