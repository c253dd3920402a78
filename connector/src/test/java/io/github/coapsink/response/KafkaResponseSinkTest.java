package io.github.coapsink.response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sink over Kafka's MockProducer: completion follows the producer's acknowledgements. */
class KafkaResponseSinkTest {

    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final KafkaResponseSink sink = new KafkaResponseSink(new ResponseSettings("answers", false, List.of(),
            CodeFilter.parse(List.of("2.xx", "4.xx")), Map.of()), "coap://gw", "test", s -> producer);

    @AfterEach
    void close() {
        sink.close();
    }

    private static SinkRecord input(long offset) {
        return new SinkRecord("commands", 0, null, "k", null, "{}", offset);
    }

    private static final OutgoingRequest REQUEST = new OutgoingRequest("x", OutgoingRequest.Method.PUT,
            "{}".getBytes(), true);

    @Test
    void completesOnlyWhenEveryRecordOfTheWriteIsAcknowledged() {
        CompletableFuture<Void> written = sink.write(List.of(input(0), input(1)), REQUEST,
                SendResult.delivered("2.04"), 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 2);
        assertThat(producer.completeNext()).isTrue();
        assertThat(written).isNotDone();
        assertThat(producer.completeNext()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(written::isDone);
        assertThat(written).isCompleted();
    }

    @Test
    void aFailedRecordFailsTheWrite() {
        CompletableFuture<Void> written = sink.write(List.of(input(0)), REQUEST, SendResult.delivered("2.04"), 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 1);
        producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        await().atMost(Duration.ofSeconds(10)).until(written::isDone);
        assertThat(written).isCompletedExceptionally();
    }

    @Test
    void writesHappenInTheOrderTheyWereAskedFor() {
        for (int i = 0; i < 50; i++) {
            sink.write(List.of(input(i)), REQUEST, SendResult.delivered("2.04"), 0);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 50);
        for (int i = 0; i < 50; i++) {
            assertThat(new String(producer.history().get(i).value())).contains("\"offset\":" + i + ",");
        }
    }

    @Test
    void wantsCompletedOutcomesThatPassTheFilter() {
        assertThat(sink.wants(SendResult.delivered("2.05"))).isTrue();
        assertThat(sink.wants(SendResult.permanent("4.04", "x"))).isTrue();
        assertThat(sink.wants(SendResult.transientFailure("5.03", "x"))).as("retried, not completed").isFalse();
        assertThat(sink.wants(SendResult.delivered(null))).as("SENT not in the filter").isFalse();
    }
}
