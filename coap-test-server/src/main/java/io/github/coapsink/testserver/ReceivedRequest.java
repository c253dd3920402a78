package io.github.coapsink.testserver;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.OptionSet;

/**
 * One request as seen by {@link CoapTestServer}.
 *
 * <p>Block-wise (RFC 7959) PUT/POST bodies are recorded once, fully reassembled. CoAP-level
 * retransmissions (same message id) are removed by Californium's de-duplicator and are not recorded.
 * A request the server {@linkplain CoapTestServer#dropRatio(double) dropped} is recorded with
 * {@code dropped == true} and {@code response == null}; dropped block-wise fragments are recorded one
 * by one with the fragment's payload.
 *
 * @param path           the Uri-Path without leading '/', segments joined by '/' ({@code ""} for the root)
 * @param query          the Uri-Query options joined by '&amp;' ({@code ""} if none)
 * @param method         the request method (PUT, POST, GET, DELETE, ...)
 * @param payload        the request payload (a copy; never {@code null})
 * @param contentFormat  the Content-Format option, or {@link MediaTypeRegistry#UNDEFINED} (-1) if absent
 * @param confirmable    {@code true} for CON, {@code false} for NON
 * @param messageId      the CoAP message id (for block-wise bodies: the one of the last block)
 * @param token          the token as hex string ({@code ""} for an empty token)
 * @param source         the client's address
 * @param receivedNanos  {@link System#nanoTime()} when the server handled the request
 * @param receivedAt     wall clock time when the server handled the request
 * @param secure         {@code true} if the request came over DTLS (coaps)
 * @param peerIdentity   the DTLS peer identity: the PSK identity, the X.509 subject DN, or the raw public key's
 *                       {@code ni:///sha-256;...} name; {@code null} for plain CoAP or anonymous clients
 * @param response       the response code the server answered (or will answer after a configured delay);
 *                       {@code null} if the request was dropped
 * @param dropped        {@code true} if the server silently dropped the request (fault injection)
 * @param segments       the Uri-Path options one by one (a segment may itself contain '/')
 * @param options        all options of the request (a copy)
 */
public record ReceivedRequest(
        String path,
        String query,
        Code method,
        byte[] payload,
        int contentFormat,
        boolean confirmable,
        int messageId,
        String token,
        InetSocketAddress source,
        long receivedNanos,
        Instant receivedAt,
        boolean secure,
        String peerIdentity,
        ResponseCode response,
        boolean dropped,
        List<String> segments,
        OptionSet options) {

    public ReceivedRequest {
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        payload = payload == null ? new byte[0] : payload.clone();
        token = token == null ? "" : token;
        segments = segments == null ? List.of() : List.copyOf(segments);
        options = options == null ? new OptionSet() : new OptionSet(options);
    }

    /** @return a copy of the payload bytes */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** @return the payload decoded as UTF-8 */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** @return the payload size in bytes */
    public int payloadSize() {
        return payload.length;
    }

    /**
     * @return {@code true} if the server answered with a 2.xx success code (i.e. it accepted the
     *         request; for PUT/POST: the payload was stored in the resource's history)
     */
    public boolean success() {
        return !dropped && response != null && response.isSuccess();
    }

    /** @return {@code true} if fault injection changed the outcome: dropped, or answered with a non-2.xx code */
    public boolean faulted() {
        return !success();
    }

    /** @return "CON" or "NON" */
    public String type() {
        return confirmable ? "CON" : "NON";
    }

    @Override
    public String toString() {
        return method + " " + type() + " /" + path + (query.isEmpty() ? "" : "?" + query)
                + " from " + source + (secure ? " (DTLS" + (peerIdentity != null ? " " + peerIdentity : "") + ")" : "")
                + " mid=" + messageId + " token=" + token + " cf=" + contentFormat + " " + payload.length + " bytes -> "
                + (dropped ? "dropped" : String.valueOf(response));
    }
}
