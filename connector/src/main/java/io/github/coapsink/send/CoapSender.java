package io.github.coapsink.send;

import java.util.concurrent.CompletionStage;

/**
 * Sends CoAP requests asynchronously. Implementations never throw from {@link #send}: every
 * failure completes the stage with a {@link SendResult} that says whether it may pass.
 */
public interface CoapSender extends AutoCloseable {

    CompletionStage<SendResult> send(OutgoingRequest request);

    /**
     * Like {@link #send(OutgoingRequest)}, and runs {@code onRetransmission} each time the request is sent again
     * because no answer came in time (a sign of loss or of a busy server, which congestion control heeds). It runs
     * on one of the sender's threads and must be quick. A sender that does not retransmit ignores it.
     */
    default CompletionStage<SendResult> send(OutgoingRequest request, Runnable onRetransmission) {
        return send(request);
    }

    /** Stops the sender; requests still in flight complete as transient failures. */
    @Override
    void close();
}
