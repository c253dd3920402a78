package io.github.coapsink.send;

import java.util.Objects;

/**
 * One CoAP request to send.
 *
 * @param resource path of the resource relative to the connector URI's path, segments separated by '/'
 * @param method the CoAP method
 * @param payload the body; empty for DELETE
 * @param confirmable CON (wait for the server's answer) or NON (fire-and-forget)
 */
public record OutgoingRequest(String resource, Method method, byte[] payload, boolean confirmable) {

    /** The methods the sink sends. */
    public enum Method { PUT, POST, DELETE }

    public OutgoingRequest {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
    }
}
