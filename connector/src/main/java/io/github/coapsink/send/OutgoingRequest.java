package io.github.coapsink.send;

import java.util.Objects;

/**
 * One CoAP request to send.
 *
 * @param resource path of the resource relative to the connector URI's path, segments separated by '/'
 * @param method the CoAP method
 * @param payload the body; empty for DELETE
 * @param confirmable CON (wait for the server's answer) or NON (fire-and-forget)
 * @param contentFormat the CoAP Content-Format option of a non-empty payload (RFC 7252 section 12.3)
 */
public record OutgoingRequest(String resource, Method method, byte[] payload, boolean confirmable, int contentFormat) {

    /** application/json, what every request carried before payload formats could be chosen. */
    public static final int JSON = 50;

    /** The methods the sink sends. */
    public enum Method { PUT, POST, DELETE }

    public OutgoingRequest {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
        if (contentFormat < 0 || contentFormat > 65_535) {
            throw new IllegalArgumentException("a Content-Format is 0 to 65535, got " + contentFormat);
        }
    }

    /** A JSON request (Content-Format 50). */
    public OutgoingRequest(String resource, Method method, byte[] payload, boolean confirmable) {
        this(resource, method, payload, confirmable, JSON);
    }
}
