package io.github.coapsink.config;

/** How many requests a task puts on the wire to its server at once. */
public enum CongestionControl {
    /**
     * A congestion window (RFC 7252 section 4.7, TCP Reno's rules in requests): starts at 16 requests, grows while
     * answers come back, halves on a retransmission, a timeout, 5.03 or 4.29; never above
     * {@code connect.coap.max.in.flight}.
     */
    ADAPTIVE,
    /** As many requests as records are in flight ({@code connect.coap.max.in.flight}), whatever the server says. */
    FIXED
}
