package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.errors.ConnectException;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.util.ExecutorsUtil;
import org.eclipse.californium.elements.util.NamedThreadFactory;
import org.eclipse.californium.elements.util.StringUtil;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.dtls.DtlsException;
import org.eclipse.californium.scandium.dtls.DtlsHandshakeTimeoutException;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CoapSender} on a pool of Californium endpoints (plain UDP or DTLS), each on its own local port,
 * talking to one server.
 *
 * <p>The pool starts with one endpoint and grows, up to {@code connect.coap.endpoints}, only when every
 * endpoint has run out of message IDs: a slow stream keeps one endpoint (and one DTLS session). Why a pool: an endpoint has 65,536 message IDs and may reuse one only after EXCHANGE_LIFETIME
 * (247 s with RFC 7252's defaults), so one endpoint sustains about 265 confirmable requests per second
 * to one server. The server tells clients apart by address and port, so each endpoint has its own ID
 * space. Requests go to the endpoints in turn; an endpoint whose IDs are used up is skipped until
 * Californium frees some, and when all are, a request waits for a free ID within its timeout.
 */
public final class CaliforniumSender implements CoapSender {

    private static final Logger log = LoggerFactory.getLogger(CaliforniumSender.class);

    /** How long an endpoint that ran out of message IDs is left alone before it is tried again. */
    private static final long EXHAUSTED_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a request that found every endpoint out of message IDs looks again. */
    private static final long NO_ID_RETRY_MILLIS = 50;
    private static final String IDS_EXHAUSTED = "message IDs exhausted";

    /** One endpoint of the pool, with what it knows about its DTLS session. */
    private static final class Slot {
        final CoapEndpoint endpoint;
        final DTLSConnector dtls;
        final AtomicLong lastResponseNanos = new AtomicLong(System.nanoTime());
        final AtomicLong lastResumeNanos = new AtomicLong(System.nanoTime());
        volatile long exhaustedUntilNanos;
        volatile boolean exhaustionLogged;

        Slot(CoapEndpoint endpoint) {
            this.endpoint = endpoint;
            this.dtls = endpoint.getConnector() instanceof DTLSConnector d ? d : null;
        }

        boolean exhausted(long now) {
            return exhaustedUntilNanos - now > 0;
        }
    }

    private final CoapSinkConfig config;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService executor;
    private final ScheduledExecutorService timer;
    private final AddressEndpointContext destination;
    private final String uriHost;
    private final String basePath;
    private final String peer;
    private final Duration timeout;
    private final Set<CompletableFuture<SendResult>> pending = ConcurrentHashMap.newKeySet();
    private final Map<String, ArrayDeque<Blockwise>> blockwiseWaiting = new HashMap<>();
    private final int singleMessagePayload;
    private final InetSocketAddress server;
    private volatile boolean closed;

    private CaliforniumSender(CoapSinkConfig config, ScheduledExecutorService executor,
            ScheduledExecutorService timer, InetSocketAddress server, String uriHost, String basePath) {
        this.config = config;
        this.executor = executor;
        this.timer = timer;
        // The virtual host goes out as SNI and is the name the server certificate must carry.
        this.destination = new AddressEndpointContext(server, uriHost, null);
        this.server = server;
        this.uriHost = uriHost;
        this.basePath = basePath;
        this.peer = server.getHostString() + ":" + server.getPort();
        this.timeout = config.requestTimeout();
        this.singleMessagePayload = EndpointFactory.californiumConfiguration(config).get(CoapConfig.MAX_MESSAGE_SIZE);
    }

    /** Binds the first local endpoint and resolves the server; fails with a message naming the key to fix. */
    public static CaliforniumSender start(CoapSinkConfig config) {
        URI uri = config.uri();
        InetSocketAddress server = resolve(uri, config.secure());
        ScheduledExecutorService executor = ExecutorsUtil.newScheduledThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), new NamedThreadFactory("coap-sink#"));
        ScheduledExecutorService timer = ExecutorsUtil.newDefaultSecondaryScheduler("coap-sink-timer#");
        String host = uri.getHost();
        String uriHost = StringUtil.isLiteralIpAddress(stripBrackets(host)) ? null : host;
        String basePath = uri.getPath() == null ? "" : trimSlashes(uri.getPath());
        CaliforniumSender sender = new CaliforniumSender(config, executor, timer, server, uriHost, basePath);
        try {
            sender.addSlot();
        } catch (RuntimeException e) {
            sender.close();
            throw e;
        }
        log.info("CoAP sender for {} bound to {} (up to {} endpoints as the message IDs require)", uri,
                sender.localAddress(), config.endpoints());
        return sender;
    }

    /** Binds and starts one more endpoint. */
    private synchronized Slot addSlot() {
        int index = slots.size();
        Configuration californium = EndpointFactory.californiumConfiguration(config);
        CoapEndpoint endpoint = EndpointFactory.create(config, californium, index);
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

    private static InetSocketAddress resolve(URI uri, boolean secure) {
        int port = uri.getPort() != -1 ? uri.getPort() : (secure ? CoAP.DEFAULT_COAP_SECURE_PORT : CoAP.DEFAULT_COAP_PORT);
        try {
            return new InetSocketAddress(InetAddress.getByName(stripBrackets(uri.getHost())), port);
        } catch (UnknownHostException e) {
            throw new ConnectException("Cannot resolve the CoAP server host '" + uri.getHost() + "' of "
                    + CoapSinkConfig.URI + "=" + uri + ": " + e.getMessage(), e);
        }
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String trimSlashes(String path) {
        int start = 0;
        int end = path.length();
        while (start < end && path.charAt(start) == '/') {
            start++;
        }
        while (end > start && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(start, end);
    }

    /** The local address of the first endpoint. */
    public InetSocketAddress localAddress() {
        return slots.get(0).endpoint.getAddress();
    }

    /** The local addresses of all endpoints. */
    public List<InetSocketAddress> localAddresses() {
        return slots.stream().map(s -> s.endpoint.getAddress()).toList();
    }

    @Override
    public CompletionStage<SendResult> send(OutgoingRequest outgoing) {
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        if (closed) {
            result.complete(SendResult.transientFailure(null, "sender is closed"));
            return result;
        }
        String path = basePath.isEmpty() ? outgoing.resource() : basePath + "/" + outgoing.resource();
        String what = outgoing.method() + " " + peer + "/" + path;
        AtomicReference<Request> current = new AtomicReference<>();
        pending.add(result);
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (result.complete(SendResult.timeout(what + " timed out after " + timeout.toMillis() + " ms"))) {
                Request request = current.get();
                if (request != null) {
                    request.cancel();
                }
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> {
            deadline.cancel(false);
            pending.remove(result);
        });
        Runnable start = () -> attempt(outgoing, path, what, result, current);
        if (outgoing.payload().length > singleMessagePayload) {
            Blockwise transfer = new Blockwise(path, result, start);
            result.whenComplete((r, e) -> transfer.finished());
            transfer.startOrQueue();
        } else {
            start.run();
        }
        return result;
    }

    /**
     * A request whose body needs a block-wise transfer (RFC 7959). Californium keeps one such transfer per peer
     * and resource and cancels the older one when a newer one starts, so transfers to the same resource go one
     * after the other; each still has its own timeout, counted from when it was handed over.
     */
    private final class Blockwise {
        private final String path;
        private final CompletableFuture<SendResult> result;
        private final Runnable start;
        private boolean holding;

        Blockwise(String path, CompletableFuture<SendResult> result, Runnable start) {
            this.path = path;
            this.result = result;
            this.start = start;
        }

        void startOrQueue() {
            synchronized (blockwiseWaiting) {
                ArrayDeque<Blockwise> waiting = blockwiseWaiting.get(path);
                if (waiting != null) {
                    waiting.add(this);
                    return;
                }
                blockwiseWaiting.put(path, new ArrayDeque<>());
                holding = true;
            }
            start.run();
        }

        void finished() {
            Blockwise next;
            synchronized (blockwiseWaiting) {
                if (!holding) {
                    return; // completed (timed out) while still waiting: it never held the resource
                }
                holding = false;
                ArrayDeque<Blockwise> waiting = blockwiseWaiting.get(path);
                next = waiting == null ? null : waiting.poll();
                while (next != null && next.result.isDone()) {
                    next = waiting.poll();
                }
                if (next == null) {
                    blockwiseWaiting.remove(path);
                } else {
                    next.holding = true;
                }
            }
            if (next != null) {
                next.start.run();
            }
        }
    }

    /** Sends the request on the next endpoint that has message IDs left, or looks again shortly. */
    private void attempt(OutgoingRequest outgoing, String path, String what, CompletableFuture<SendResult> result,
            AtomicReference<Request> current) {
        if (result.isDone()) {
            return;
        }
        if (closed) {
            result.complete(SendResult.transientFailure(null, "sender closed before " + what + " was sent"));
            return;
        }
        Slot slot = pickSlot();
        if (slot == null) {
            timer.schedule(() -> attempt(outgoing, path, what, result, current), NO_ID_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        Request request = new Request(code(outgoing.method()), outgoing.confirmable() ? CoAP.Type.CON : CoAP.Type.NON);
        request.setDestinationContext(destination);
        if (uriHost != null) {
            request.getOptions().setUriHost(uriHost);
        }
        RequestOptionsWriter.write(request.getOptions(), basePath, outgoing);
        if (outgoing.payload().length > 0) {
            request.setPayload(outgoing.payload());
        }
        request.addMessageObserver(new Observer(slot, result, outgoing.confirmable(), what, System.nanoTime(),
                () -> attempt(outgoing, path, what, result, current)));
        current.set(request);
        slot.endpoint.sendRequest(request);
    }

    /** The next endpoint with message IDs left; a new one when all are out and the pool may grow; else null. */
    private Slot pickSlot() {
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
                    return addSlot();
                } catch (ConnectException e) {
                    log.warn("{}", e.getMessage());
                }
            }
        }
        return null;
    }

    private void exhausted(Slot slot) {
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

    private static CoAP.Code code(OutgoingRequest.Method method) {
        return switch (method) {
            case PUT -> CoAP.Code.PUT;
            case POST -> CoAP.Code.POST;
            case DELETE -> CoAP.Code.DELETE;
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (CompletableFuture<SendResult> f : pending) {
            f.complete(SendResult.transientFailure(null, "sender closed before the server answered"));
        }
        slots.forEach(s -> s.endpoint.destroy());
        ExecutorsUtil.shutdownExecutorGracefully(500, executor, timer);
    }

    /**
     * A DTLS server that restarted has lost the session and silently drops our records, so CoAP retransmits.
     * The first retransmission of a request after which the server has said nothing at all makes the next
     * record resume the session (an abbreviated handshake, or a full one if the server forgot the session);
     * once per silence, so a lossy link does not cause a handshake per retransmission.
     */
    private void resumeSessionIfSilent(Slot slot, long requestSentNanos) {
        if (slot.dtls == null || slot.lastResponseNanos.get() - requestSentNanos > 0) {
            return;
        }
        long last = slot.lastResumeNanos.get();
        if (last - requestSentNanos < 0 && slot.lastResumeNanos.compareAndSet(last, System.nanoTime())) {
            log.info("No answer from {} since a request was sent; resuming the DTLS session of {} (the server may "
                    + "have restarted)", peer, slot.endpoint.getAddress());
            slot.dtls.forceResumeSessionFor(server);
        }
    }

    private String sendError(Throwable error, String what) {
        if (error instanceof DtlsHandshakeTimeoutException timeout) {
            // Scandium servers drop a Finished they cannot verify without an alert, so a wrong PSK looks
            // like a timeout; Scandium marks that case in the message.
            String reason;
            if (String.valueOf(timeout.getMessage()).contains("Wrong PSK")) {
                reason = "the server did not accept our Finished message (wrong PSK identity or secret?)";
            } else if (timeout.getFlightNumber() <= 3) {
                reason = "no answer to the handshake (server down or not speaking DTLS on this port?)";
            } else {
                reason = "the server stopped answering during the handshake (flight " + timeout.getFlightNumber() + ")";
            }
            return "DTLS handshake with " + peer + " failed: " + reason + "; " + what + " not sent";
        }
        if (error instanceof HandshakeException || error instanceof DtlsException) {
            return "DTLS handshake with " + peer + " failed: " + oneLine(error.getMessage()) + "; " + what
                    + " not sent";
        }
        return what + " could not be sent: " + error.getClass().getSimpleName() + ": " + oneLine(error.getMessage());
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }

    private final class Observer extends MessageObserverAdapter {
        private final Slot slot;
        private final CompletableFuture<SendResult> result;
        private final boolean confirmable;
        private final String what;
        private final long sentNanos;
        private final Runnable tryAnotherEndpoint;

        Observer(Slot slot, CompletableFuture<SendResult> result, boolean confirmable, String what, long sentNanos,
                Runnable tryAnotherEndpoint) {
            this.slot = slot;
            this.result = result;
            this.confirmable = confirmable;
            this.what = what;
            this.sentNanos = sentNanos;
            this.tryAnotherEndpoint = tryAnotherEndpoint;
        }

        @Override
        public void onRetransmission() {
            resumeSessionIfSilent(slot, sentNanos);
        }

        @Override
        public void onSent(boolean retransmission) {
            if (!confirmable) {
                result.complete(SendResult.delivered(null));
            }
        }

        @Override
        public void onResponse(Response response) {
            slot.lastResponseNanos.set(System.nanoTime());
            result.complete(ResponseClassifier.classify(response, what));
        }

        @Override
        public void onTimeout() {
            result.complete(SendResult.timeout(what + ": no answer after all CoAP retransmissions"));
        }

        @Override
        public void onReject() {
            result.complete(SendResult.transientFailure(null, what + " was reset (RST) by the server"));
        }

        @Override
        public void onCancel() {
            result.complete(SendResult.transientFailure(null, what + " was cancelled"));
        }

        @Override
        protected void failed() {
            result.complete(SendResult.transientFailure(null, what + " failed"));
        }

        @Override
        public void onSendError(Throwable error) {
            if (error instanceof IllegalStateException && String.valueOf(error.getMessage()).contains(IDS_EXHAUSTED)) {
                exhausted(slot);
                tryAnotherEndpoint.run();
                return;
            }
            result.complete(DtlsConnectors.asResult(error, sendError(error, what)));
        }
    }
}
