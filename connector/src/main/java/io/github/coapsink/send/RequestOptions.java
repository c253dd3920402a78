package io.github.coapsink.send;

import java.util.List;
import java.util.Objects;

/**
 * CoAP options a record asks for (Kafka headers {@code coap.<option>}, see
 * {@code connect.coap.options.from.headers}), on top of what the sink sets itself.
 *
 * @param contentFormat Content-Format that replaces the payload format's, or null
 * @param accept Accept, or null
 * @param ifMatch If-Match values (an empty one: "the resource exists"), none when empty
 * @param ifNoneMatch whether to send If-None-Match ("only if the resource does not exist")
 * @param etags ETag values, none when empty
 * @param maxAge Max-Age in seconds, or null
 * @param uriQuery Uri-Query values ({@code name=value}) added after the resource's own query
 */
public record RequestOptions(Integer contentFormat, Integer accept, List<byte[]> ifMatch, boolean ifNoneMatch,
        List<byte[]> etags, Long maxAge, List<String> uriQuery) {

    /** Nothing beyond what the sink sets. */
    public static final RequestOptions NONE = new RequestOptions(null, null, List.of(), false, List.of(), null, List.of());

    public RequestOptions {
        ifMatch = List.copyOf(Objects.requireNonNull(ifMatch, "ifMatch"));
        etags = List.copyOf(Objects.requireNonNull(etags, "etags"));
        uriQuery = List.copyOf(Objects.requireNonNull(uriQuery, "uriQuery"));
    }

    /** Whether the request is a conditional update (RFC 7252 section 5.10.8): a 4.12 answer means the condition failed. */
    public boolean conditional() {
        return !ifMatch.isEmpty() || ifNoneMatch;
    }
}
