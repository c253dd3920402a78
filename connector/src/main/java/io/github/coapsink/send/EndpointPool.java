package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.connect.errors.ConnectException;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MapBasedEndpointContext;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local endpoints a sender talks to its server from, each on its own UDP port and so with its own 65,536
 * message IDs (and, for coaps://, its own DTLS session).
 *
 * <p>The pool starts with one endpoint and grows, up to {@code connect.coap.endpoints}, only when every
 * endpoint has run out of message IDs: a slow stream keeps one endpoint (and one DTLS session). An endpoint
 * may reuse a message ID only after EXCHANGE_LIFETIME (247 s with RFC 7252's defaults), so one endpoint
 * sustains about 265 confirmable requests per second to one server. Requests go to the endpoints in turn; an
 * endpoint whose IDs are used up is skipped until Californium frees some.
 */
final class EndpointPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EndpointPool.class);

    /** How long an endpoint that ran out of message IDs is left alone before it is tried again. */
    private static final long EXHAUSTED_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One endpoint of the pool, with what the sender knows about its DTLS session. */
    static final class Slot {
        final CoapEndpoint endpoint;
        final DTLSConnector dtls;
        final AtomicLong lastResponseNanos = new AtomicLong(System.nanoTime());
        final AtomicLong lastResumeNanos = new AtomicLong(System.nanoTime());
        /** The next request this endpoint sends carries a DTLS handshake (see {@link #handshakeOnNextSend()}). */
        private final AtomicBoolean handshakeOnNextSend = new AtomicBoolean();
        private volatile long exhaustedUntilNanos;
        private volatile boolean exhaustionLogged;

        private Slot(CoapEndpoint endpoint) {
            this.endpoint = endpoint;
            this.dtls = endpoint.getConnector() instanceof DTLSConnector d ? d : null;
            if (dtls != null) {
                endpoint.addInterceptor(new HandshakeOnNextSend());
            }
        }

        boolean exhausted(long now) {
            return exhaustedUntilNanos - now > 0;
        }

        /**
         * Makes the next request sent from this endpoint (a retransmission or a new one) resume the DTLS session
         * first, or handshake anew if the server no longer knows it.
         *
         * <p>Not {@link DTLSConnector#forceResumeSessionFor}: that marks the connection and leaves the handshake to
         * whichever message is sent next, and until one is, Scandium discards every record the server sends
         * ("Discarding APPLICATION_DATA"). A request the server has acknowledged with an empty ACK is not
         * retransmitted, so its separate response, and the answers to every other request in flight, are lost
         * while nothing else is sent. Here the handshake travels with the message that asked for it: Scandium
         * starts it in the same step that sends the message, and nothing is discarded in between.
         */
        void handshakeOnNextSend() {
            handshakeOnNextSend.set(true);
        }

        /** Puts the request-a-handshake mark on the next outgoing request, and takes it off the ones after. */
        private final class HandshakeOnNextSend extends MessageInterceptorAdapter {
            @Override
            public void sendRequest(Request request) {
                EndpointContext context = request.getEffectiveDestinationContext();
                if (context == null) {
                    context = request.getDestinationContext();
                }
                boolean marked = DtlsEndpointContext.HANDSHAKE_MODE_FORCE.equals(
                        context.getString(DtlsEndpointContext.KEY_HANDSHAKE_MODE));
                if (handshakeOnNextSend.compareAndSet(true, false)) {
                    request.setEffectiveDestinationContext(MapBasedEndpointContext.addEntries(context,
                            DtlsEndpointContext.ATTRIBUTE_HANDSHAKE_MODE_FORCE));
                } else if (marked) {
                    // a retransmission of the request that carried the handshake: once is enough
                    request.setEffectiveDestinationContext(MapBasedEndpointContext.addEntries(context,
                            DtlsEndpointContext.ATTRIBUTE_HANDSHAKE_MODE_AUTO));
                }
            }
        }
    }

    private final CoapSinkConfig config;
    /** Loaded once by the sender before the first endpoint; every endpoint added later reuses them. */
    private final DtlsCredentials credentials;
    private final Supplier<Configuration> californium;
    private final ScheduledExecutorService executor;
    private final ScheduledExecutorService timer;
    private final String peer;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    /** {@code credentials}: null for coap://, else the sender's, loaded once (no file is read when it grows). */
    EndpointPool(CoapSinkConfig config, DtlsCredentials credentials, Supplier<Configuration> californium,
            ScheduledExecutorService executor, ScheduledExecutorService timer, String peer) {
        this.config = config;
        this.credentials = credentials;
        this.californium = californium;
        this.executor = executor;
        this.timer = timer;
        this.peer = peer;
    }

    /** Binds and starts one more endpoint. */
    synchronized Slot add() {
        int index = slots.size();
        Configuration configuration = californium.get();
        CoapEndpoint endpoint = EndpointFactory.create(config, credentials, configuration, index);
        endpoint.setExecutors(executor, timer);
        try {
            endpoint.start();
        } catch (IOException e) {
            endpoint.destroy();
            throw new ConnectException("Cannot bind CoAP endpoint " + (index + 1) + " to "
                    + EndpointFactory.bindAddress(config, index) + " (" + e.getMessage() + "); check "
                    + CoapSinkConfig.HOST + ", " + CoapSinkConfig.PORT + " and " + CoapSinkConfig.ENDPOINTS, e);
        }
        Slot slot = new Slot(endpoint);
        slots.add(slot);
        if (index > 0) {
            log.info("Added CoAP endpoint {} of at most {} at {}: the others have used their message IDs towards {}",
                    index + 1, config.endpoints(), endpoint.getAddress(), peer);
        }
        return slot;
    }

    /** The next endpoint with message IDs left; a new one when all are out and the pool may grow; else null. */
    Slot pick() {
        long now = System.nanoTime();
        List<Slot> current = slots;
        int n = current.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Slot slot = current.get((start + i) % n);
            if (!slot.exhausted(now)) {
                return slot;
            }
        }
        synchronized (this) {
            if (closed) {
                return null;
            }
            for (Slot slot : slots) {
                if (!slot.exhausted(now)) {
                    return slot; // another thread added one meanwhile
                }
            }
            if (slots.size() < config.endpoints()) {
                try {
                    return add();
                } catch (ConnectException e) {
                    log.warn("{}", e.getMessage());
                }
            }
        }
        return null;
    }

    /** The endpoint has no message ID left: skip it for a while. */
    void exhausted(Slot slot) {
        slot.exhaustedUntilNanos = System.nanoTime() + EXHAUSTED_BACKOFF_NANOS;
        if (!slot.exhaustionLogged) {
            slot.exhaustionLogged = true;
            if (slots.size() < config.endpoints()) {
                log.info("CoAP endpoint {} has used all 65,536 message IDs towards {}; each may be reused only after "
                        + "EXCHANGE_LIFETIME (247 s)", slot.endpoint.getAddress(), peer);
            } else {
                log.warn("CoAP endpoint {} has used all 65,536 message IDs towards {}; each may be reused only after "
                        + "EXCHANGE_LIFETIME (247 s). All {} endpoints ({}) are in use, so requests wait for free IDs: "
                        + "raise {} for more sustained throughput.", slot.endpoint.getAddress(), peer, slots.size(),
                        CoapSinkConfig.ENDPOINTS, CoapSinkConfig.ENDPOINTS);
            }
        }
    }

    List<Slot> slots() {
        return slots;
    }

    List<InetSocketAddress> addresses() {
        return slots.stream().map(s -> s.endpoint.getAddress()).toList();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        slots.forEach(s -> s.endpoint.destroy());
    }
}
