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

    /**
     * A stage returned by {@link #send} whose request can be sent again at once, ahead of its retransmission timer,
     * when the caller has evidence that it was lost (later requests were answered and it was not).
     */
    interface Resendable {
        /**
         * Sends the confirmable request's datagram again, with its message ID, so a server that got the first copy
         * answers it again from its de-duplication (RFC 7252 section 4.5) instead of acting twice. The request's own
         * retransmission timer keeps running. At most once per request.
         *
         * @return whether a datagram went out (false: already answered or acknowledged, not on the wire yet, NON,
         *     block-wise, resent before)
         */
        boolean resendNow();
    }

    /** Stops the sender; requests still in flight complete as transient failures. */
    @Override
    void close();
}
