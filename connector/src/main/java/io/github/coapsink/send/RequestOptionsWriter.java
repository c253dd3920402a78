package io.github.coapsink.send;

import org.eclipse.californium.core.coap.OptionSet;

/** Writes a request's address, content format and the record's options into Californium's option set. */
final class RequestOptionsWriter {

    private RequestOptionsWriter() {
    }

    /**
     * Uri-Path: the connector URI's base path, then one option per address segment (a segment may hold '/', '?'
     * or spaces: it stays one option); Uri-Query: the address's query, then the record's; then Content-Format,
     * Accept, If-Match, If-None-Match, ETag and Max-Age.
     */
    static void write(OptionSet options, String basePath, OutgoingRequest outgoing) {
        if (!basePath.isEmpty()) {
            options.setUriPath(basePath);
        }
        for (String segment : outgoing.address().path()) {
            options.addUriPath(segment);
        }
        for (String query : outgoing.address().query()) {
            options.addUriQuery(query);
        }
        RequestOptions extra = outgoing.options();
        for (String query : extra.uriQuery()) {
            options.addUriQuery(query);
        }
        if (outgoing.payload().length > 0) {
            options.setContentFormat(extra.contentFormat() != null ? extra.contentFormat() : outgoing.contentFormat());
        }
        if (extra.accept() != null) {
            options.setAccept(extra.accept());
        }
        for (byte[] etag : extra.ifMatch()) {
            options.addIfMatch(etag);
        }
        if (extra.ifNoneMatch()) {
            options.setIfNoneMatch(true);
        }
        for (byte[] etag : extra.etags()) {
            options.addETag(etag);
        }
        if (extra.maxAge() != null) {
            options.setMaxAge(extra.maxAge());
        }
    }
}
