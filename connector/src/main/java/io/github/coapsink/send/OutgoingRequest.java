package io.github.coapsink.send;

import io.github.coapsink.address.Address;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One CoAP request to send.
 *
 * @param address where it goes, relative to the connector URI's path: one Uri-Path option per segment and one
 *     Uri-Query option per query element
 * @param method the CoAP method
 * @param payload the body; empty for DELETE
 * @param confirmable CON (wait for the server's answer) or NON (fire-and-forget)
 * @param contentFormat the CoAP Content-Format option of a non-empty payload (RFC 7252 section 12.3)
 * @param options options the record asked for (Kafka headers), {@link RequestOptions#NONE} without
 */
public record OutgoingRequest(Address address, Method method, byte[] payload, boolean confirmable, int contentFormat,
        RequestOptions options) {

    /** application/json, what every request carried before payload formats could be chosen. */
    public static final int JSON = 50;

    /** The methods the sink sends. */
    public enum Method { PUT, POST, DELETE }

    public OutgoingRequest {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        if (contentFormat < 0 || contentFormat > 65_535) {
            throw new IllegalArgumentException("a Content-Format is 0 to 65535, got " + contentFormat);
        }
    }

    /** A request to a fixed resource path (segments separated by '/'), without options from the record. */
    public OutgoingRequest(String resource, Method method, byte[] payload, boolean confirmable, int contentFormat) {
        this(literal(resource), method, payload, confirmable, contentFormat, RequestOptions.NONE);
    }

    /** A JSON request (Content-Format 50) to a fixed resource path. */
    public OutgoingRequest(String resource, Method method, byte[] payload, boolean confirmable) {
        this(resource, method, payload, confirmable, JSON);
    }

    /** The address as one line for logs and messages, e.g. {@code devices/a%2Fb/state?src=t}. */
    public String resource() {
        return address.text();
    }

    private static Address literal(String resource) {
        return new Address(Arrays.asList(Objects.requireNonNull(resource, "resource").split("/")), List.of());
    }
}
