package io.github.coapsink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The task against a sender whose answers the test controls; the end-to-end tests use real parts. */
class CoapSinkTaskTest {

    private static final TopicPartition TP = new TopicPartition("coap_topic", 0);

    static final class FakeContext implements SinkTaskContext {
        long timeout = -1;
        final Map<TopicPartition, Long> rewound = new HashMap<>();
        final java.util.Set<TopicPartition> paused = new java.util.HashSet<>();
        final List<SinkRecord> reported = new ArrayList<>();
        final List<Throwable> reportedErrors = new ArrayList<>();
        int resumeCalls;
        boolean withReporter;

        @Override
        public Map<String, String> configs() {
            return Map.of();
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            rewound.putAll(offsets);
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
        }

        @Override
        public void timeout(long timeoutMs) {
            timeout = timeoutMs;
        }

        @Override
        public Set<TopicPartition> assignment() {
            return Set.of(TP);
        }

        @Override
        public void pause(TopicPartition... partitions) {
            paused.addAll(List.of(partitions));
        }

        @Override
        public void resume(TopicPartition... partitions) {
            resumeCalls++;
            paused.removeAll(List.of(partitions));
        }

        @Override
        public void requestCommit() {
        }

        @Override
        public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
            return null;
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            if (!withReporter) {
                return null;
            }
            return (record, error) -> {
                reported.add(record);
                reportedErrors.add(error);
                Future<Void> done = CompletableFuture.completedFuture(null);
                return done;
            };
        }
    }

    private final ManualSender sender = new ManualSender();
    private final FakeContext context = new FakeContext();
    private CoapSinkTask task;

    private CoapSinkTask start(Map<String, String> overrides) {
        task = new CoapSinkTask(config -> sender);
        task.initialize(context);
        task.start(withBase(overrides));
        return task;
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    private static SinkRecord record(long offset, Object value) {
        return new SinkRecord("coap_topic", 0, null, null, value == null ? null : Schema.STRING_SCHEMA, value, offset);
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() {
        return task.preCommit(Map.of(TP, new OffsetAndMetadata(0)));
    }

    @Test
    void putHandsRecordsOverAndCommitsOnlyWhatTheServerAcknowledged() {
        start(Map.of());
        task.put(List.of(record(0, "{\"a\":1}"), record(1, "{\"a\":2}")));
        assertThat(sender.sent()).hasSize(1);
        OutgoingRequest first = sender.sent().get(0).request();
        assertThat(first.resource()).isEqualTo("unsecure");
        assertThat(first.method()).isEqualTo(OutgoingRequest.Method.PUT);
        assertThat(first.confirmable()).isTrue();
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));
        assertThat(context.timeout).as("asks Connect to come back soon while records are in flight").isPositive();

        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(1));
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(2));
    }

    @Test
    void throwFailsTheTaskWithTheCauseAndCommitsNothingPastIt() {
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "THROW"));
        task.put(List.of(record(0, "{}")));
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "PUT 127.0.0.1:5683/unsecure answered 4.04 NOT_FOUND"));
        assertThatThrownBy(() -> task.put(List.of())).isInstanceOf(ConnectException.class)
                .hasMessageContaining("coap_topic-0@0").hasMessageContaining("4.04 NOT_FOUND")
                .hasMessageContaining("error policy THROW");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));
    }

    @Test
    void noopSkipsAndGoesOn() {
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "NOOP"));
        task.put(List.of(record(0, "{}"), record(1, "{}")));
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "4.04 NOT_FOUND"));
        task.put(List.of());
        assertThat(sender.sent()).hasSize(2);
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(2));
        assertThat(task.stats().total(io.github.coapsink.delivery.DeliveryStats.Event.FAILED)).isEqualTo(1);
    }

    @Test
    void retryBacksOffThroughConnectAndSendsAgain() {
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "RETRY", CoapSinkConfig.RETRY_INTERVAL, "0",
                CoapSinkConfig.MAX_RETRIES, "2"));
        task.put(List.of(record(0, "{}")));
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "5.03 SERVICE_UNAVAILABLE"));
        task.put(List.of(record(1, "{}")));
        assertThat(sender.sent()).hasSize(2);
        assertThat(sender.sent().get(1).payload()).isEqualTo("{}");
        sender.sent().get(1).result().complete(SendResult.transientFailure("5.03", "again"));
        task.put(List.of());
        sender.sent().get(2).result().complete(SendResult.transientFailure("5.03", "third"));
        assertThatThrownBy(() -> task.put(List.of())).isInstanceOf(ConnectException.class)
                .hasMessageContaining("after 2 retries");
    }

    @Test
    void retryBacksOffTheFailingResourceAloneWithoutThrowing() {
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "RETRY", CoapSinkConfig.RETRY_INTERVAL, "60000",
                CoapSinkConfig.KCQL, "INSERT INTO a SELECT * FROM coap_topic", "topics", "coap_topic"));
        task.put(List.of(record(0, "{}")));
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "5.03 SERVICE_UNAVAILABLE"));
        task.put(List.of(record(1, "{}")));
        assertThat(context.timeout).as("Connect comes back while records wait").isBetween(1L, 250L);
        assertThat(sender.sent()).as("the lane waits: nothing behind the failed record is sent").hasSize(1);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));
        assertThat(task.pipeline().pending()).isEqualTo(2);
    }

    @Test
    void reporterTakesPermanentFailuresWhateverThePolicy() {
        context.withReporter = true;
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "THROW", "errors.tolerance", "all"));
        task.put(List.of(record(0, "{}"), record(1, "not json")));
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "4.04 NOT_FOUND"));
        task.put(List.of());
        assertThat(context.reported).extracting(SinkRecord::kafkaOffset).containsExactlyInAnyOrder(0L, 1L);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(2));
    }

    @Test
    void tombstonesFollowTheirPolicy() {
        start(Map.of(CoapSinkConfig.TOMBSTONE_POLICY, "DELETE"));
        task.put(List.of(record(0, null)));
        assertThat(sender.sent().get(0).request().method()).isEqualTo(OutgoingRequest.Method.DELETE);
        assertThat(sender.sent().get(0).request().payload()).isEmpty();
    }

    @Test
    void oversizedPayloadIsABadRecordNamingTheSize() {
        context.withReporter = true;
        start(Map.of(CoapSinkConfig.MAX_PAYLOAD_BYTES, "10", "errors.tolerance", "all"));
        task.put(List.of(record(0, "{\"a\":\"0123456789\"}")));
        assertThat(sender.sent()).isEmpty();
        assertThat(context.reportedErrors.get(0).getMessage()).contains("18 bytes")
                .contains("connect.coap.max.payload.bytes=10");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(1));
    }

    @Test
    void skippedTombstonesAreCommitted() {
        start(Map.of());
        task.put(List.of(record(0, null)));
        assertThat(sender.sent()).isEmpty();
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(1));
    }

    @Test
    void aTopicWithoutARouteFailsClearly() {
        start(Map.of());
        SinkRecord stray = new SinkRecord("other", 0, null, null, null, "{}", 0);
        assertThatThrownBy(() -> task.put(List.of(stray))).isInstanceOf(ConnectException.class)
                .hasMessageContaining("'other'").hasMessageContaining("connect.coap.kcql");
    }

    @Test
    void redeliveredBatchIsNotSentTwice() {
        start(Map.of());
        List<SinkRecord> batch = List.of(record(0, "{}"), record(1, "{}"));
        task.put(batch);
        task.put(batch);
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(sender.sent()).hasSize(2);
    }

    @Test
    void metricsAreExposedOverJmxWhileTheTaskRuns() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "{}"), record(1, "{}")));
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var name = task.metrics().objectName();
        assertThat(server.getAttribute(name, "RecordsDelivered")).isEqualTo(1L);
        assertThat(server.getAttribute(name, "RecordsPending")).isEqualTo(1);
        assertThat(server.getAttribute(name, "RequestsInFlight")).isEqualTo(1);
        assertThat((Long) server.getAttribute(name, "RequestLatencyP99Micros")).isNotNegative();
        task.stop();
        task = null;
        assertThat(server.isRegistered(name)).isFalse();
    }

    @Test
    void aFullWindowPausesAndGivesTheRestBackInsteadOfHoldingPut() {
        start(Map.of(CoapSinkConfig.MAX_IN_FLIGHT, "2", CoapSinkConfig.ORDERING, "NONE"));
        task.put(List.of(record(0, "{}"), record(1, "{}"), record(2, "{}"), record(3, "{}")));
        assertThat(sender.sent()).hasSize(2);
        assertThat(context.rewound).containsEntry(TP, 2L);
        assertThat(context.paused).containsExactly(TP);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(0));

        sender.completeAll(SendResult.delivered("2.04"));
        task.put(List.of());
        assertThat(context.paused).as("resumed once the window has room").isEmpty();
        // Connect redelivers from the rewound offset.
        task.put(List.of(record(2, "{}"), record(3, "{}")));
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(sender.sent()).hasSize(4);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(4));
    }

    @Test
    void batchingSendsTheRecordsOfAPartitionAndResourceAsOneJsonArray() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "3", CoapSinkConfig.ORDERING, "NONE"));
        SinkRecord other = new SinkRecord("coap_topic", 1, null, null, Schema.STRING_SCHEMA, "{\"p\":1}", 0);
        task.put(List.of(record(0, "{\"n\":0}"), record(1, "{\"n\":1}"), record(2, "{\"n\":2}"), record(3, "{\"n\":3}"),
                other, record(4, "{\"n\":4}")));
        assertThat(sender.sent()).as("a record of another partition in between does not break a batch")
                .extracting(ManualSender.Sent::payload).containsExactly(
                        "[{\"n\":0},{\"n\":1},{\"n\":2}]", "[{\"n\":3},{\"n\":4}]", "[{\"p\":1}]");
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(3));
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(5));
        assertThat(task.stats().total(io.github.coapsink.delivery.DeliveryStats.Event.DELIVERED)).isEqualTo(6);
    }

    @Test
    void aFailedBatchSendsEachOfItsRecordsToTheReporterAndTombstonesBreakBatches() {
        context.withReporter = true;
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "10", CoapSinkConfig.TOMBSTONE_POLICY, "DELETE",
                "errors.tolerance", "all"));
        task.put(List.of(record(0, "{}"), record(1, "{}"), record(2, null), record(3, "{}")));
        assertThat(sender.sent()).hasSize(1);
        assertThat(sender.sent().get(0).payload()).isEqualTo("[{},{}]");
        sender.sent().get(0).result().complete(SendResult.permanent("4.00", "4.00 BAD_REQUEST"));
        task.put(List.of());
        assertThat(context.reported).extracting(SinkRecord::kafkaOffset).containsExactly(0L, 1L);
        assertThat(sender.sent().get(1).request().method()).isEqualTo(OutgoingRequest.Method.DELETE);
        sender.completeAll(SendResult.delivered("2.02"));
        assertThat(sender.sent().get(2).payload()).isEqualTo("[{}]");
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(4));
    }

    @Test
    void batchesNeverExceedTheMaximumPayload() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "100", CoapSinkConfig.MAX_PAYLOAD_BYTES, "20",
                CoapSinkConfig.ORDERING, "NONE"));
        task.put(List.of(record(0, "{\"a\":11}"), record(1, "{\"a\":22}"), record(2, "{\"a\":33}")));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload)
                .containsExactly("[{\"a\":11},{\"a\":22}]", "[{\"a\":33}]");
        assertThat(sender.sent()).allSatisfy(s -> assertThat(s.request().payload().length).isLessThanOrEqualTo(20));
    }

    /**
     * Regression (issue 9.3): Connect creates an errant record reporter for errors.log.enable=true alone, but with
     * errors.tolerance=none every report fails the task ("Tolerance exceeded"). NOOP must still skip.
     */
    @Test
    void noopSkipsWhenConnectOffersAReporterForErrorLoggingOnly() {
        context.withReporter = true;
        start(Map.of(CoapSinkConfig.ERROR_POLICY, "NOOP", "errors.log.enable", "true"));
        task.put(List.of(record(0, "not json"), record(1, "{}")));
        sender.completeAll(SendResult.delivered("2.04"));
        task.put(List.of());
        assertThat(context.reported).as("nothing reported: the reporter would fail the task").isEmpty();
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("{}");
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(2));
    }

    /**
     * Regression (issue 9.6): Connect awaits the reporter's futures before preCommit, so a report made inside
     * preCommit would be committed before its dead-letter write completed. preCommit leaves reports to put().
     */
    @Test
    void preCommitNeverReportsSoNoReportIsCommittedBeforeItsWriteCompleted() {
        context.withReporter = true;
        start(Map.of("errors.tolerance", "all"));
        task.put(List.of(record(0, "{}")));
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "4.04 NOT_FOUND"));
        assertThat(committed()).as("not committed before it was reported in put()").containsEntry(TP, new OffsetAndMetadata(0));
        assertThat(context.reported).isEmpty();
        task.put(List.of());
        assertThat(context.reported).extracting(SinkRecord::kafkaOffset).containsExactly(0L);
        assertThat(committed()).containsEntry(TP, new OffsetAndMetadata(1));
    }

    /**
     * Regression (issue 9.9): put() resumed the paused partitions and then threw, while Connect pauses everything
     * itself to redeliver the batch after an exception; a put() that throws resumes nothing.
     */
    @Test
    void aPutThatThrowsResumesNothing() {
        start(Map.of(CoapSinkConfig.MAX_IN_FLIGHT, "2", CoapSinkConfig.ORDERING, "NONE",
                CoapSinkConfig.ERROR_POLICY, "THROW"));
        task.put(List.of(record(0, "{}"), record(1, "{}"), record(2, "{}"), record(3, "{}")));
        assertThat(context.paused).containsExactly(TP);
        sender.completeAll(SendResult.delivered("2.04"));
        sender.answerAtOnce(SendResult.transientFailure("5.03", "5.03 SERVICE_UNAVAILABLE"));
        int resumesBefore = context.resumeCalls;
        assertThatThrownBy(() -> task.put(List.of(record(2, "{}"), record(3, "{}"))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("5.03");
        assertThat(context.resumeCalls).as("resume calls in a put() that threw").isEqualTo(resumesBefore);
        assertThat(context.paused).containsExactly(TP);
    }

    /** Regression (issue 9.13): a record whose payload fits alone but not as a one-element array is sent unbatched. */
    @Test
    void aRecordThatFitsOnlyUnbatchedIsSentAsItIs() {
        start(Map.of(CoapSinkConfig.BATCH_MAX_RECORDS, "10", CoapSinkConfig.MAX_PAYLOAD_BYTES, "9"));
        task.put(List.of(record(0, "{\"a\":123}")));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("{\"a\":123}");
        assertThat(sender.sent().get(0).request().payload().length).isLessThanOrEqualTo(9);
    }

    /** Regression (issue 9.13): a task that is still stopping (a zombie) must not remove its successor's MBean. */
    @Test
    void aStoppingTaskLeavesItsSuccessorsMetricsRegistered() throws Exception {
        Map<String, String> same = Map.of("name", "zombie-test", CoapSinkConfig.TASK_INDEX, "0");
        CoapSinkTask zombie = new CoapSinkTask(config -> new ManualSender());
        zombie.initialize(new FakeContext());
        zombie.start(withBase(same));
        start(same);
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        assertThat(task.metrics().objectName()).isEqualTo(zombie.metrics().objectName());
        zombie.stop();
        assertThat(server.isRegistered(task.metrics().objectName())).isTrue();
        task.put(List.of(record(0, "{}")));
        sender.completeAll(SendResult.delivered("2.04"));
        assertThat(server.getAttribute(task.metrics().objectName(), "RecordsDelivered")).isEqualTo(1L);
    }

    private static Map<String, String> withBase(Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>();
        props.put(CoapSinkConfig.URI, "coap://127.0.0.1:5683");
        props.put(CoapSinkConfig.KCQL, "INSERT INTO unsecure SELECT * FROM coap_topic");
        props.put("topics", "coap_topic");
        props.putAll(overrides);
        return props;
    }

    @Test
    void stopClosesTheSender() {
        start(Map.of());
        task.stop();
        assertThat(sender.closed).isTrue();
        task = null;
    }
}
