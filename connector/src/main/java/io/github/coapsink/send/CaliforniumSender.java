package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.util.ExecutorsUtil;
import org.eclipse.californium.elements.util.NamedThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CoapSender} on Californium, talking to one server from a pool of local endpoints (plain UDP or
 * DTLS): {@link EndpointPool} (which endpoint, and its DTLS session), {@link BlockwiseQueue} (block-wise
 * bodies to one resource one after the other) and {@link SendExchange} (one request from hand-over to
 * outcome: its deadline, its Californium request, cancellation).
 *
 * <p>The future {@link #send} returns completes exactly once, with a {@link SendResult}. A caller that no
 * longer wants the outcome cancels it ({@code send(r).toCompletableFuture().cancel(false)}) or completes it
 * itself: the Californium request is cancelled at once (no more retransmissions reach the server) and a
 * block-wise body's place in its resource's line is given up.
 */
public final class CaliforniumSender implements CoapSender {

    private static final Logger log = LoggerFactory.getLogger(CaliforniumSender.class);

    /**
     * What tests may change: the Californium configuration of every endpoint (for example a short
     * EXCHANGE_LIFETIME), how host names are looked up and how often. Not a user setting.
     */
    record Tuning(Consumer<Configuration> californium, ServerAddress.Resolver resolver, Duration resolveInterval) {
        static final Tuning DEFAULT = new Tuning(c -> { }, InetAddress::getByName, ServerAddress.RESOLVE_INTERVAL);
    }

    final CoapSinkConfig config;
    final ScheduledExecutorService timer;
    final ServerAddress server;
    final EndpointPool pool;
    final BlockwiseQueue blockwise = new BlockwiseQueue();
    final Duration timeout;
    final long timeoutNanos;
    final int singleMessagePayload;
    final boolean secure;
    final boolean psk;
    /** Whether results carry the server's answer in full, for {@code connect.coap.response.topic}. */
    final boolean keepAnswers;
    final String peer;
    private final ScheduledExecutorService executor;
    private final ExecutorService lookups;
    final String basePath;
    private final Set<SendExchange> pending = ConcurrentHashMap.newKeySet();
    /** The deadlines of the requests in {@link #pending}. */
    final Deadlines deadlines;
    private volatile boolean closed;

    private CaliforniumSender(CoapSinkConfig config, Tuning tuning) {
        this.config = config;
        URI uri = config.uri();
        this.secure = config.secure();
        // Once per sender (per task), before any thread or socket exists, so a bad file fails the start and
        // leaks nothing; the pool builds every later endpoint from these without touching a file.
        DtlsCredentials credentials = secure ? DtlsCredentials.load(config) : null;
        this.psk = secure && config.pskIdentity() != null && !config.pskIdentity().isBlank();
        this.keepAnswers = config.responses().isPresent();
        this.executor = ExecutorsUtil.newScheduledThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), new NamedThreadFactory("coap-sink#"));
        this.timer = ExecutorsUtil.newDefaultSecondaryScheduler("coap-sink-timer#");
        this.lookups = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "coap-sink-dns");
            thread.setDaemon(true);
            return thread;
        });
        this.server = new ServerAddress(uri, secure, tuning.resolver(), lookups, tuning.resolveInterval());
        this.peer = server.peer();
        this.basePath = uri.getPath() == null ? "" : trimSlashes(uri.getPath());
        this.timeout = config.requestTimeout();
        this.timeoutNanos = timeout.toNanos();
        this.deadlines = new Deadlines(timer, pending, System::nanoTime);
        Consumer<Configuration> tune = tuning.californium();
        java.util.function.Supplier<Configuration> californium = () -> {
            Configuration c = EndpointFactory.californiumConfiguration(config);
            tune.accept(c);
            return c;
        };
        this.singleMessagePayload = californium.get().get(CoapConfig.MAX_MESSAGE_SIZE);
        this.pool = new EndpointPool(config, credentials, californium, executor, timer, peer);
    }

    /**
     * Binds the first local endpoint and looks the server up. A host that does not resolve does not fail the
     * start: requests then fail as retriable (naming the host and {@code connect.coap.uri}) until it resolves.
     */
    public static CaliforniumSender start(CoapSinkConfig config) {
        return start(config, Tuning.DEFAULT);
    }

    static CaliforniumSender start(CoapSinkConfig config, Tuning tuning) {
        CaliforniumSender sender = new CaliforniumSender(config, tuning);
        try {
            sender.pool.add();
            sender.server.resolveNow();
        } catch (RuntimeException e) {
            sender.close();
            throw e;
        }
        log.info("CoAP sender for {} bound to {} (up to {} endpoints as the message IDs require)", config.uri(),
                sender.localAddress(), config.endpoints());
        return sender;
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
        return pool.addresses().get(0);
    }

    /** The local addresses of all endpoints. */
    public List<InetSocketAddress> localAddresses() {
        return pool.addresses();
    }

    /**
     * Sends one request. The returned stage is a {@link java.util.concurrent.CompletableFuture}: cancelling it
     * ({@code toCompletableFuture().cancel(false)}) or completing it cancels the request.
     */
    @Override
    public CompletionStage<SendResult> send(OutgoingRequest outgoing) {
        return send(outgoing, null);
    }

    /** {@inheritDoc} Counts the retransmissions of CoAP confirmable requests (RFC 7252 section 4.2). */
    @Override
    public CompletionStage<SendResult> send(OutgoingRequest outgoing, Runnable onRetransmission) {
        SendExchange exchange = new SendExchange(this, outgoing, onRetransmission);
        if (closed) {
            exchange.result.complete(SendResult.transientFailure(null, "sender is closed"));
            return exchange.result;
        }
        pending.add(exchange);
        exchange.result.whenComplete((r, e) -> pending.remove(exchange));
        exchange.begin();
        return exchange.result;
    }

    boolean closed() {
        return closed;
    }

    /** Requests handed over and not yet completed, for tests. */
    int pendingCount() {
        return pending.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (SendExchange exchange : pending) {
            exchange.result.complete(SendResult.transientFailure(null, "sender closed before the server answered"));
        }
        pool.close();
        lookups.shutdownNow();
        ExecutorsUtil.shutdownExecutorGracefully(500, executor, timer);
    }
}
