package io.github.coapsink.send;

/**
 * The outcome of one request.
 *
 * @param outcome whether the record is delivered, failed for good, or may pass if sent again
 * @param responseCode the CoAP response code as text ("2.04", "4.04", ...), or null without a response
 * @param detail a one-line description for logs and exceptions; never contains secrets
 */
public record SendResult(Outcome outcome, String responseCode, String detail) {

    /** How a request ended. */
    public enum Outcome {
        /** 2.xx, or a NON request that was sent. */
        DELIVERED,
        /** A failure that the same request will meet again (most 4.xx): not retried. */
        PERMANENT,
        /** A failure that may pass (5.xx, timeout, reset, DTLS handshake, send error): retried under RETRY. */
        TRANSIENT
    }

    public static SendResult delivered(String responseCode) {
        return new SendResult(Outcome.DELIVERED, responseCode, responseCode == null ? "sent" : responseCode);
    }

    public static SendResult permanent(String responseCode, String detail) {
        return new SendResult(Outcome.PERMANENT, responseCode, detail);
    }

    public static SendResult transientFailure(String responseCode, String detail) {
        return new SendResult(Outcome.TRANSIENT, responseCode, detail);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
