package io.github.coapsink.send;

import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.KeyMID;
import org.eclipse.californium.core.network.deduplication.Deduplicator;
import org.eclipse.californium.core.network.deduplication.SweepDeduplicator;
import org.eclipse.californium.elements.config.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Californium's duplicate detection, except that a server which restarted and counts its message IDs anew is
 * heard again.
 *
 * <p>A client remembers, for EXCHANGE_LIFETIME (247 s), the message ID of every confirmable or non-confirmable
 * message the server sent it (separate responses, 2.31 Continue of a block-wise upload), and takes a later
 * message with the same ID as a retransmission: it acknowledges it and drops it. A server that restarted has
 * forgotten which IDs it used and starts again from a random (or fixed) value; when that lands in the range its
 * previous run used, each of its separate responses is dropped as a "duplicate" of an answer to an older request,
 * the request times out, is sent again, and the next response collides too, for as many responses as the old run
 * sent: the sink stalls although the server answers every request. This is what stalled the DTLS stream in
 * ServerOutageIT (the restarted test server answers separately, after its response delay).
 *
 * <p>A response that matched one of our open requests by its token cannot be a retransmission of a response to a
 * different request: a retransmitted response carries the token of the request it answers. So when the message
 * ID is on record for another of our own requests, the entry is taken over by the open request and the response
 * is delivered. Everything else (a true retransmission of a response, arriving after its request completed or
 * while it is still open) is detected as before.
 */
final class RestartTolerantDeduplicator implements Deduplicator {

    private static final Logger log = LoggerFactory.getLogger(RestartTolerantDeduplicator.class);

    private final Deduplicator delegate;

    RestartTolerantDeduplicator(Configuration config) {
        this.delegate = new SweepDeduplicator(config);
    }

    @Override
    public Exchange findPrevious(KeyMID key, Exchange exchange) {
        Exchange previous = delegate.findPrevious(key, exchange);
        if (previous != null && previous != exchange && previous.isOfLocalOrigin() && exchange.isOfLocalOrigin()
                && delegate.replacePrevious(key, previous, exchange)) {
            log.debug("{} reused by the server for another request (it restarted?): not a duplicate", key);
            return null;
        }
        return previous;
    }

    @Override
    public boolean replacePrevious(KeyMID key, Exchange previous, Exchange exchange) {
        return delegate.replacePrevious(key, previous, exchange);
    }

    @Override
    public Exchange find(KeyMID key) {
        return delegate.find(key);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void stop() {
        delegate.stop();
    }

    @Override
    public void setExecutor(ScheduledExecutorService executor) {
        delegate.setExecutor(executor);
    }

    @Override
    public boolean isEmpty() {
        return delegate.isEmpty();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public void clear() {
        delegate.clear();
    }
}
