package io.github.coapsink.send;

import java.util.concurrent.CompletionStage;

/**
 * Sends CoAP requests asynchronously. Implementations never throw from {@link #send}: every
 * failure completes the stage with a {@link SendResult} that says whether it may pass.
 */
public interface CoapSender extends AutoCloseable {

    CompletionStage<SendResult> send(OutgoingRequest request);

    /** Stops the sender; requests still in flight complete as transient failures. */
    @Override
    void close();
}
