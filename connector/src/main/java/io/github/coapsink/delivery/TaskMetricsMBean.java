package io.github.coapsink.delivery;

/**
 * What one sink task exposes over JMX as
 * {@code io.github.coapsink:type=CoapSinkTask,connector=<name>,task=<id>}.
 */
public interface TaskMetricsMBean {

    long getRecordsDelivered();

    long getRecordsSkipped();

    long getRecordsRetried();

    long getRecordsFailed();

    long getRecordsReported();

    int getRecordsPending();

    int getRequestsInFlight();

    int getMaxRequestsInFlight();

    /** Records the task holds at most ({@code connect.coap.max.in.flight}). */
    int getWindow();

    /** Requests the congestion window lets on the wire at once now ({@code connect.coap.congestion.control}). */
    int getCongestionWindow();

    /** How often the congestion window shrank (a retransmission, a timeout, 5.03 or 4.29) since the task started. */
    long getCongestionWindowDecreases();

    /** Requests that may go and wait for room in the congestion window. */
    int getRequestsWaiting();

    /** CoAP retransmissions of the task's confirmable requests (no answer within ACK_TIMEOUT, or deemed lost early). */
    long getCoapRetransmissions();

    /** Of those, requests deemed lost early (later ones answered) and sent again ahead of ACK_TIMEOUT. */
    long getCoapEarlyRetransmissions();

    long getRequestLatencyP50Micros();

    long getRequestLatencyP99Micros();

    long getRequestLatencyMaxMicros();

    /** Requests answered 2.xx. */
    long getRequests2xx();

    long getRequests4xx();

    long getRequests5xx();

    /** Requests without an answer within the request timeout or after all CoAP retransmissions. */
    long getRequestsTimedOut();

    /** Requests not sent because the DTLS handshake failed. */
    long getRequestsHandshakeFailed();

    /** Requests reset (RST) by the server or not sent for another reason. */
    long getRequestsOtherFailure();

    /** NON requests sent (no answer expected). */
    long getRequestsNonSent();

    /** Response records Kafka acknowledged ({@code connect.coap.response.topic}). */
    long getResponseRecordsWritten();

    /** Writes of response records that failed; their records follow the error policy. */
    long getResponseRecordWriteFailures();
}
