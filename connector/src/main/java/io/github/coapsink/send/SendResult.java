package io.github.coapsink.send;

/**
 * The outcome of one request.
 *
 * @param outcome whether the record is delivered, failed for good, or may pass if sent again
 * @param responseCode the CoAP response code as text ("2.04", "4.04", ...), or null without a response
 * @param detail a one-line description for logs and exceptions; never contains secrets
 * @param kind what ended the request, for metrics: a response, a NON request sent, or which failure
 * @param retryAfterMillis how long the server asked us to wait before trying again (Max-Age with 5.03 or 4.29,
 *     RFC 7252 section 5.9.3.4 and RFC 8516), 0 when it did not say
 * @param answer the server's answer in full (code, body, options), kept only when the sink writes answers back to
 *     Kafka; null otherwise and without an answer
 */
public record SendResult(Outcome outcome, String responseCode, String detail, Kind kind, long retryAfterMillis,
        CoapAnswer answer) {

    /** How a request ended. */
    public enum Outcome {
        /** 2.xx, or a NON request that was sent. */
        DELIVERED,
        /** A failure that the same request will meet again (most 4.xx): not retried. */
        PERMANENT,
        /** A failure that may pass (5.xx, timeout, reset, DTLS handshake, send error): retried under RETRY. */
        TRANSIENT
    }

    /** What ended the request. */
    public enum Kind {
        /** The server answered; {@link #responseCode} says what. */
        RESPONSE,
        /** A NON request left: no answer is expected. */
        SENT,
        /** No answer within the request timeout or after all CoAP retransmissions. */
        TIMEOUT,
        /** The DTLS handshake failed or timed out, so the request was never sent. */
        HANDSHAKE_FAILURE,
        /** Anything else: a reset (RST), a send error, the sender closing. */
        OTHER_FAILURE
    }

    public SendResult(Outcome outcome, String responseCode, String detail, Kind kind, long retryAfterMillis) {
        this(outcome, responseCode, detail, kind, retryAfterMillis, null);
    }

    /** A result whose kind follows from the outcome and the response code. */
    public SendResult(Outcome outcome, String responseCode, String detail, Kind kind) {
        this(outcome, responseCode, detail, kind, 0);
    }

    /** The same result, with the wait the server asked for. */
    public SendResult withRetryAfter(long millis) {
        return new SendResult(outcome, responseCode, detail, kind, millis, answer);
    }

    /** The same result, carrying the server's answer in full. */
    public SendResult withAnswer(CoapAnswer full) {
        return new SendResult(outcome, responseCode, detail, kind, retryAfterMillis, full);
    }

    public SendResult(Outcome outcome, String responseCode, String detail) {
        this(outcome, responseCode, detail, responseCode != null ? Kind.RESPONSE
                : outcome == Outcome.DELIVERED ? Kind.SENT : Kind.OTHER_FAILURE);
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

    public static SendResult timeout(String detail) {
        return new SendResult(Outcome.TRANSIENT, null, detail, Kind.TIMEOUT);
    }

    public static SendResult handshakeFailure(String detail) {
        return new SendResult(Outcome.TRANSIENT, null, detail, Kind.HANDSHAKE_FAILURE);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
