package io.github.coapsink.delivery;

import io.github.coapsink.send.OutgoingRequest;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Records whose delivery failed and that wait for the task's decision (drop, report, resend or fail
 * the task). Until then their offsets are not committed and, under ordered delivery, the records
 * behind them for the same partition and resource wait too. Usually one record; several when they
 * travelled in one request ({@code connect.coap.batch.max.records}), which fails or succeeds as a whole.
 *
 * @param records the Kafka records, in offset order, all of one partition
 * @param request the request that failed, or null when the record could not be turned into one
 * @param retriable whether sending it again may succeed
 * @param attempts how many times it was sent and failed a retriable way (0 for a record never sent)
 * @param detail one line for logs and exceptions
 * @param cause the exception behind it, if any
 * @param retryAfterMillis how long the server asked us to wait (Max-Age with 5.03 or 4.29), 0 when it did not
 */
public record Failure(List<SinkRecord> records, OutgoingRequest request, boolean retriable, int attempts,
        String detail, Throwable cause, long retryAfterMillis) {

    public Failure {
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a failure concerns at least one record");
        }
        Objects.requireNonNull(detail, "detail");
    }

    public static Failure of(SinkRecord record, OutgoingRequest request, boolean retriable, int attempts,
            String detail, Throwable cause) {
        return new Failure(List.of(record), request, retriable, attempts, detail, cause, 0);
    }

    /** The partition of the records. */
    public TopicPartition partition() {
        SinkRecord first = record();
        return new TopicPartition(first.topic(), first.kafkaPartition());
    }

    /** The lane for logs: {@code resource 'x' of topic-partition}. */
    public String laneName() {
        SinkRecord first = record();
        String partition = first.topic() + "-" + first.kafkaPartition();
        return request == null ? partition : "resource '" + request.resource() + "' of " + partition;
    }

    /** The first (or only) record. */
    public SinkRecord record() {
        return records.get(0);
    }

    /** {@code topic-partition@offset}, or {@code topic-partition@first..last} for several records. */
    public String position() {
        SinkRecord first = record();
        SinkRecord last = records.get(records.size() - 1);
        String at = first.topic() + "-" + first.kafkaPartition() + "@" + first.kafkaOffset();
        return records.size() == 1 ? "record " + at : records.size() + " records " + at + ".." + last.kafkaOffset();
    }

    public String describe() {
        return position() + ": " + detail;
    }
}
