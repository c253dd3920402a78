package io.github.coapsink.delivery;

import io.github.coapsink.send.OutgoingRequest;
import java.util.Objects;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A record whose delivery failed and that waits for the task's decision (drop, report, resend or
 * fail the task). Until then its offset is not committed and, under ordered delivery, the records
 * behind it for the same partition and resource wait too.
 *
 * @param record the Kafka record
 * @param request the request that failed, or null when the record could not be turned into one
 * @param retriable whether sending it again may succeed
 * @param attempts how many times it was sent and failed a retriable way (0 for a record never sent)
 * @param detail one line for logs and exceptions
 * @param cause the exception behind it, if any
 */
public record Failure(SinkRecord record, OutgoingRequest request, boolean retriable, int attempts, String detail,
        Throwable cause) {

    public Failure {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(detail, "detail");
    }

    public String describe() {
        return "record " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset() + ": " + detail;
    }
}
