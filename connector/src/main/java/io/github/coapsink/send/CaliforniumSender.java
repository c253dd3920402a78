package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
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

/** A {@link CoapSender} on one Californium endpoint (plain UDP or DTLS) talking to one server. */
public final class CaliforniumSender implements CoapSender {

    private static final Logger log = LoggerFactory.getLogger(CaliforniumSender.class);

    private final CoapEndpoint endpoint;
    private final ScheduledExecutorService executor;
    private final ScheduledExecutorService timer;
    private final AddressEndpointContext destination;
    private final String uriHost;
    private final String basePath;
    private final String peer;
    private final Duration timeout;
    private final Set<CompletableFuture<SendResult>> pending = ConcurrentHashMap.newKeySet();
    private final InetSocketAddress server;
    private final DTLSConnector dtls;
    private final AtomicLong lastResponseNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong lastResumeNanos = new AtomicLong(System.nanoTime());
    private volatile boolean closed;

    private CaliforniumSender(CoapEndpoint endpoint, ScheduledExecutorService executor,
            ScheduledExecutorService timer, InetSocketAddress server, String uriHost, String basePath,
            Duration timeout) {
        this.endpoint = endpoint;
        this.executor = executor;
        this.timer = timer;
        // The virtual host goes out as SNI and is the name the server certificate must carry.
        this.destination = new AddressEndpointContext(server, uriHost, null);
        this.server = server;
        this.dtls = endpoint.getConnector() instanceof DTLSConnector d ? d : null;
        this.uriHost = uriHost;
        this.basePath = basePath;
        this.peer = server.getHostString() + ":" + server.getPort();
        this.timeout = timeout;
    }

    /** Binds the local endpoint and resolves the server; fails with a message naming the key to fix. */
    public static CaliforniumSender start(CoapSinkConfig config) {
        URI uri = config.uri();
        InetSocketAddress server = resolve(uri, config.secure());
        Configuration californium = EndpointFactory.californiumConfiguration(config);
        CoapEndpoint endpoint = EndpointFactory.create(config, californium);
        ScheduledExecutorService executor = ExecutorsUtil.newScheduledThreadPool(2,
                new NamedThreadFactory("coap-sink#"));
        ScheduledExecutorService timer = ExecutorsUtil.newDefaultSecondaryScheduler("coap-sink-timer#");
        endpoint.setExecutors(executor, timer);
        try {
            endpoint.start();
        } catch (IOException e) {
            endpoint.destroy();
            ExecutorsUtil.shutdownExecutorGracefully(100, executor, timer);
            throw new ConnectException("Cannot bind the CoAP endpoint to " + EndpointFactory.bindAddress(config)
                    + " (" + e.getMessage() + "); check " + CoapSinkConfig.HOST + " and " + CoapSinkConfig.PORT, e);
        }
        String host = uri.getHost();
        String uriHost = StringUtil.isLiteralIpAddress(stripBrackets(host)) ? null : host;
        String basePath = uri.getPath() == null ? "" : trimSlashes(uri.getPath());
        log.info("CoAP sender bound to {} for {}", endpoint.getAddress(), uri);
        return new CaliforniumSender(endpoint, executor, timer, server, uriHost, basePath, config.requestTimeout());
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

    /** The local address the endpoint is bound to. */
    public InetSocketAddress localAddress() {
        return endpoint.getAddress();
    }

    @Override
    public CompletionStage<SendResult> send(OutgoingRequest outgoing) {
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        if (closed) {
            result.complete(SendResult.transientFailure(null, "sender is closed"));
            return result;
        }
        Request request = new Request(code(outgoing.method()), outgoing.confirmable() ? CoAP.Type.CON : CoAP.Type.NON);
        request.setDestinationContext(destination);
        if (uriHost != null) {
            request.getOptions().setUriHost(uriHost);
        }
        request.getOptions().setUriPath(basePath.isEmpty() ? outgoing.resource() : basePath + "/" + outgoing.resource());
        if (outgoing.payload().length > 0) {
            request.setPayload(outgoing.payload());
            request.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        }
        String what = outgoing.method() + " " + peer + "/" + request.getOptions().getUriPathString();
        request.addMessageObserver(new Observer(result, outgoing.confirmable(), what, System.nanoTime()));
        pending.add(result);
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (result.complete(SendResult.transientFailure(null, what + " timed out after " + timeout.toMillis() + " ms"))) {
                request.cancel();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> {
            deadline.cancel(false);
            pending.remove(result);
        });
        endpoint.sendRequest(request);
        return result;
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
        if (closed) {
            return;
        }
        closed = true;
        for (CompletableFuture<SendResult> f : pending) {
            f.complete(SendResult.transientFailure(null, "sender closed before the server answered"));
        }
        endpoint.destroy();
        ExecutorsUtil.shutdownExecutorGracefully(500, executor, timer);
    }

    /**
     * A DTLS server that restarted has lost the session and silently drops our records, so CoAP retransmits.
     * The first retransmission of a request after which the server has said nothing at all makes the next
     * record resume the session (an abbreviated handshake, or a full one if the server forgot the session);
     * once per silence, so a lossy link does not cause a handshake per retransmission.
     */
    private void resumeSessionIfSilent(long requestSentNanos) {
        if (dtls == null || lastResponseNanos.get() - requestSentNanos > 0) {
            return;
        }
        long last = lastResumeNanos.get();
        if (last - requestSentNanos < 0 && lastResumeNanos.compareAndSet(last, System.nanoTime())) {
            log.info("No answer from {} since a request was sent; resuming the DTLS session (the server may "
                    + "have restarted)", peer);
            dtls.forceResumeSessionFor(server);
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
        private final CompletableFuture<SendResult> result;
        private final boolean confirmable;
        private final String what;
        private final long sentNanos;

        Observer(CompletableFuture<SendResult> result, boolean confirmable, String what, long sentNanos) {
            this.result = result;
            this.confirmable = confirmable;
            this.what = what;
            this.sentNanos = sentNanos;
        }

        @Override
        public void onRetransmission() {
            resumeSessionIfSilent(sentNanos);
        }

        @Override
        public void onSent(boolean retransmission) {
            if (!confirmable) {
                result.complete(SendResult.delivered(null));
            }
        }

        @Override
        public void onResponse(Response response) {
            lastResponseNanos.set(System.nanoTime());
            SendResult classified = ResponseClassifier.classify(response.getCode());
            result.complete(classified.delivered() ? classified
                    : new SendResult(classified.outcome(), classified.responseCode(), what + " answered " + classified.detail()));
        }

        @Override
        public void onTimeout() {
            result.complete(SendResult.transientFailure(null, what + ": no answer after all CoAP retransmissions"));
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
            result.complete(SendResult.transientFailure(null, sendError(error, what)));
        }
    }
}
