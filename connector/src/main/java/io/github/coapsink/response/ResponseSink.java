package io.github.coapsink.response;

import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.connect.sink.SinkRecord;

/** Where the answers to the sink's requests go: {@code connect.coap.response.topic}. Thread-safe. */
public interface ResponseSink extends AutoCloseable {

    /** Whether this outcome gets response records (a 2.xx, a failure that is not retried, a NON request sent). */
    boolean wants(SendResult result);

    /**
     * Writes one response record for each of {@code records} (which travelled in {@code request}), in order.
     *
     * @param latencyNanos from handing the request to the sender to its outcome
     * @return completes once Kafka acknowledged every one of them; completes exceptionally when one could not be
     *     written (never throws)
     */
    CompletableFuture<Void> write(List<SinkRecord> records, OutgoingRequest request, SendResult result,
            long latencyNanos);

    /** Waits at most a few seconds for records in flight, then closes. */
    @Override
    void close();
}
