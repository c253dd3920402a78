package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.ManualSender;
import io.github.coapsink.config.Ordering;
import io.github.coapsink.response.ResponseSink;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The pipeline with a response topic: a record is done only once its answer is in Kafka. */
class DeliveryPipelineResponsesTest {

    private static final TopicPartition TP0 = new TopicPartition("t", 0);

    /** A response sink whose writes complete when the test says so. */
    static final class ManualResponses implements ResponseSink {
        record Write(List<SinkRecord> records, SendResult result, CompletableFuture<Void> done) {
        }

        final List<Write> writes = new ArrayList<>();
        boolean writeErrors = true;

        @Override
        public boolean wants(SendResult result) {
            return result.outcome() != SendResult.Outcome.TRANSIENT
                    && (writeErrors || result.delivered());
        }

        @Override
        public synchronized CompletableFuture<Void> write(List<SinkRecord> records, OutgoingRequest request,
                SendResult result, long latencyNanos) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            writes.add(new Write(records, result, done));
            return done;
        }

        synchronized Write last() {
            return writes.get(writes.size() - 1);
        }

        @Override
        public void close() {
        }
    }

    private final ManualSender sender = new ManualSender();
    private final DeliveryStats stats = new DeliveryStats();
    private final ManualResponses responses = new ManualResponses();
    private final DeliveryPipeline pipeline = new DeliveryPipeline(sender, 100, Ordering.PARTITION_RESOURCE, stats,
            responses);

    private static SinkRecord record(long offset) {
        return new SinkRecord("t", 0, null, "k", null, "v" + offset, offset);
    }

    private static OutgoingRequest request(long offset) {
        return new OutgoingRequest("cmd", OutgoingRequest.Method.POST, ("v" + offset).getBytes(), true);
    }

    private void submit(long offset) throws InterruptedException {
        assertThat(pipeline.submit(record(offset), request(offset), 0)).isTrue();
    }

    private Map<TopicPartition, OffsetAndMetadata> committable() {
        return pipeline.committable();
    }

    @Test
    void aRecordIsCommittableOnlyOnceItsAnswerIsInKafkaAndItsLaneWaitsUntilThen() throws Exception {
        submit(0);
        submit(1);
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));

        assertThat(responses.writes).hasSize(1);
        assertThat(committable().get(TP0).offset()).as("answered, response not yet acknowledged").isZero();
        assertThat(sender.sent()).as("the lane's next request waits for the answer's write").hasSize(1);
        assertThat(pipeline.pending()).isEqualTo(2);

        responses.last().done().complete(null);
        assertThat(committable().get(TP0).offset()).isEqualTo(1);
        assertThat(sender.sent()).hasSize(2);
        assertThat(stats.responsesWritten()).isEqualTo(1);
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(1);
    }

    @Test
    void aFailedWriteIsARetriableFailureAndItsRetryWritesTheAnswerAgainWithoutRepeatingTheRequest() throws Exception {
        submit(0);
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        responses.last().done().completeExceptionally(new org.apache.kafka.common.errors.TimeoutException("boom"));

        assertThat(pipeline.failures()).singleElement().satisfies(f -> {
            assertThat(f.retriable()).isTrue();
            assertThat(f.attempts()).isEqualTo(1);
            assertThat(f.detail()).contains("answered 2.04").contains("response record could not be written")
                    .contains("boom");
        });
        assertThat(committable().get(TP0).offset()).isZero();
        assertThat(stats.responseWriteFailures()).isEqualTo(1);

        pipeline.resend(pipeline.failures().get(0));
        assertThat(sender.sent()).as("the command is not sent to the device again").hasSize(1);
        assertThat(responses.writes).hasSize(2);
        responses.last().done().complete(null);
        assertThat(pipeline.failures()).isEmpty();
        assertThat(committable().get(TP0).offset()).isEqualTo(1);
    }

    @Test
    void aPermanentFailureIsWrittenFirstAndThenWaitsForTheErrorPolicy() throws Exception {
        submit(0);
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "POST cmd answered 4.04 NOT_FOUND"));
        assertThat(pipeline.failures()).as("not before the answer is in Kafka").isEmpty();
        responses.last().done().complete(null);
        assertThat(pipeline.failures()).singleElement().satisfies(f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.detail()).contains("4.04");
        });
        assertThat(committable().get(TP0).offset()).isZero();
        pipeline.drop(pipeline.failures().get(0));
        assertThat(committable().get(TP0).offset()).isEqualTo(1);
    }

    @Test
    void aRetriableFailureWritesNothingAndIsSentAgain() throws Exception {
        submit(0);
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "busy"));
        assertThat(responses.writes).isEmpty();
        pipeline.resend(pipeline.failures().get(0));
        assertThat(sender.sent()).hasSize(2);
    }

    @Test
    void anOutcomeTheFilterRefusesIsDoneAtOnce() throws Exception {
        responses.writeErrors = false;
        submit(0);
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "not found"));
        assertThat(responses.writes).isEmpty();
        assertThat(pipeline.failures()).hasSize(1);
    }

    @Test
    void anAnswerWrittenAfterItsPartitionWasRevokedChangesNothing() throws Exception {
        submit(0);
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        pipeline.forget(List.of(TP0));
        responses.last().done().completeExceptionally(new RuntimeException("late"));
        assertThat(pipeline.failures()).isEmpty();
        assertThat(committable()).doesNotContainKey(TP0);
        assertThat(pipeline.pending()).isZero();
    }
}
