package io.github.coapsink.testserver;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.OptionSet;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.ServerMessageDeliverer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.ResumingServerHandshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.util.ServerName;
import org.eclipse.californium.scandium.util.ServerNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small CoAP server (Eclipse Californium) that accepts PUT and POST on any path, records every request
 * and can inject faults. Meant for end-to-end tests, demos and the quickstart.
 *
 * <h2>Behaviour</h2>
 * <ul>
 * <li>Every path exists (resources are created on demand).</li>
 * <li>PUT answers 2.04 Changed, POST 2.01 Created (see {@link Builder#putResponse}/{@link Builder#postResponse});
 * the payload is appended to the path's history (last {@link Builder#history(int) N} kept).</li>
 * <li>GET answers 2.05 with Content-Format 50 (application/json) and a JSON array of the stored payloads, oldest
 * first: a payload sent with Content-Format 50 is embedded as JSON value, a binary one (42 octet-stream, 60 CBOR)
 * as Base64 string, anything else as JSON string of its UTF-8 text. {@code GET /path?last} answers only the
 * latest payload, byte for byte with its original Content-Format (empty 2.05 if none). GET supports Observe: each
 * accepted PUT/POST notifies the observers.</li>
 * <li>DELETE clears the path's history and answers 2.02 Deleted.</li>
 * </ul>
 *
 * <h2>Recording</h2>
 * {@link #allRequests()} lists every request, including faulted ones (answered with a non-2.xx code or dropped).
 * {@link #requests()} lists only those answered with a 2.xx code; {@link #count()} counts them. Observe
 * notifications are not requests and are not recorded.
 *
 * <h2>Fault injection</h2>
 * Applies to PUT and POST only, so GET/DELETE/Observe keep working for inspection. Precedence:
 * {@link #dropRatio(double) drop} (decided first, on arrival) &gt; {@link #unavailableFor(Duration) unavailable}
 * &gt; {@link #failNext(int, ResponseCode) failNext} &gt; {@link #respondWith(String, ResponseCode) respondWith(path)}
 * &gt; {@code respondWith(null)} &gt; the normal answer. {@link #responseDelay(Duration)} delays every answer.
 * {@link #capacity(int, ResponseCode)} makes the server turn requests away while it has many in hand.
 * All fault setters are thread-safe and take effect immediately.
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} binds; {@link #stop()} unbinds (history, log and faults are kept); {@code start()} again
 * binds new endpoints on the same ports; {@link #close()} stops for good.
 */
public final class CoapTestServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CoapTestServer.class);

    /** Query parameter of a GET that asks for the latest payload only. */
    public static final String QUERY_LAST = "last";

    private final String host;
    private final int requestedPlainPort;
    private final int requestedDtlsPort;
    private final String pskIdentity;
    private final byte[] pskSecret;
    private final DtlsCredentials credentials;
    private final int history;
    private final int requestLogLimit;
    private final int maxBodySize;
    private final Integer dtlsConnectionIdLength;
    private final String dtlsServerName;
    private final List<DtlsHandshake> dtlsHandshakes = new CopyOnWriteArrayList<>();

    private final Object logLock = new Object();
    private final Deque<ReceivedRequest> log = new ArrayDeque<>();
    private final AtomicInteger successCount = new AtomicInteger();
    private final Map<String, Deque<ReceivedRequest>> histories = new ConcurrentHashMap<>();
    private final List<Consumer<ReceivedRequest>> listeners = new CopyOnWriteArrayList<>();

    // fault injection state
    private volatile ResponseCode putResponse;
    private volatile ResponseCode postResponse;
    private volatile ResponseCode respondAll;
    private final Map<String, ResponseCode> respondPath = new ConcurrentHashMap<>();
    private final Object failLock = new Object();
    private int failRemaining;
    private ResponseCode failCode;
    /** System.nanoTime() deadline of unavailableFor, null when off. */
    private volatile Long unavailableUntilNanos;
    /** Per path: {until nanos, Max-Age seconds} of a 5.03 answer. */
    private final Map<String, long[]> unavailablePaths = new ConcurrentHashMap<>();
    private volatile double dropRatio;
    private final Object randomLock = new Object();
    private Random random;
    private volatile Duration responseDelay = Duration.ZERO;
    /** Adds a body to successful PUT/POST answers; null for none. */
    private volatile java.util.function.BiConsumer<ReceivedRequest, Response> answerBody;
    /** PUT/POST requests handled at most at once; 0: no limit. */
    private volatile int capacity;
    /** The answer to a request over capacity; null: dropped. */
    private volatile ResponseCode overloadAnswer;
    /** PUT/POST requests in hand: from handling them to sending their answer. */
    private final AtomicInteger inHand = new AtomicInteger();
    private final AtomicInteger turnedAway = new AtomicInteger();

    // lifecycle
    private final Object lifecycle = new Object();
    private CoapServer server;
    private CatchAllDeliverer deliverer;
    private ScheduledExecutorService delayer;
    private int plainPort;
    private int dtlsPort;
    private boolean closed;

    private CoapTestServer(Builder builder) {
        this.host = builder.host;
        this.requestedPlainPort = builder.port;
        this.requestedDtlsPort = builder.dtlsPort;
        this.plainPort = builder.port;
        this.dtlsPort = builder.dtlsPort;
        this.pskIdentity = builder.pskIdentity;
        this.pskSecret = builder.pskSecret;
        this.history = builder.history;
        this.requestLogLimit = builder.requestLogLimit;
        this.maxBodySize = builder.maxBodySize;
        this.dtlsConnectionIdLength = builder.dtlsConnectionIdLength;
        this.dtlsServerName = builder.dtlsServerName;
        this.putResponse = builder.putResponse;
        this.postResponse = builder.postResponse;
        this.random = builder.seed == null ? new Random() : new Random(builder.seed);
        if (builder.dtlsPort >= 0) {
            this.credentials = builder.credentials != null ? builder.credentials : DtlsCredentials.generate(host);
            if (credentials.generated()) {
                LOG.info("generated DTLS credentials: RPK {} / certificate {} SHA-256 {}", credentials.publicKeyBase64(),
                        DtlsCredentials.GENERATED_SUBJECT, credentials.certificateSha256());
            }
        } else {
            this.credentials = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Binds the endpoints (again on the same ports after {@link #stop()}).
     *
     * @return this
     * @throws PortUnavailableException if a port cannot be bound
     * @throws IllegalStateException if the server was closed
     */
    public CoapTestServer start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("server closed");
            }
            if (server != null) {
                return this;
            }
            if (delayer == null) {
                delayer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "coap-test-server-delay");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            Configuration config = configuration();
            CoapServer coapServer = new CoapServer(config) {
                @Override
                protected Resource createRoot() {
                    return new RecordingResource("");
                }
            };
            CatchAllDeliverer catchAll = new CatchAllDeliverer(coapServer.getRoot(), config);
            coapServer.setMessageDeliverer(catchAll);
            CoapEndpoint plain = null;
            CoapEndpoint secure = null;
            if (plainPort >= 0) {
                plain = new CoapEndpoint.Builder().setConfiguration(config)
                        .setInetSocketAddress(new InetSocketAddress(host, plainPort)).build();
                plain.addInterceptor(new DropInterceptor());
                coapServer.addEndpoint(plain);
            }
            if (dtlsPort >= 0) {
                secure = new CoapEndpoint.Builder().setConfiguration(config)
                        .setConnector(new DTLSConnector(dtlsConfig(config))).build();
                secure.addInterceptor(new DropInterceptor());
                coapServer.addEndpoint(secure);
            }
            try {
                coapServer.start();
            } catch (IllegalStateException e) {
                // none of the endpoints could be started; reported below
            }
            PortUnavailableException failure = null;
            if (plain != null && !plain.isStarted()) {
                failure = new PortUnavailableException(host, plainPort, "coap");
            } else if (secure != null && !secure.isStarted()) {
                failure = new PortUnavailableException(host, dtlsPort, "coaps");
            }
            if (failure != null) {
                coapServer.destroy();
                throw failure;
            }
            if (plain != null) {
                plainPort = plain.getAddress().getPort();
            }
            if (secure != null) {
                dtlsPort = secure.getAddress().getPort();
            }
            server = coapServer;
            deliverer = catchAll;
            LOG.info("CoAP test server started: {} {}", plain != null ? plainUri() : "", secure != null ? dtlsUri() : "");
            return this;
        }
    }

    /** Unbinds the endpoints; recorded requests, histories, listeners and faults are kept. Idempotent. */
    public void stop() {
        synchronized (lifecycle) {
            if (server != null) {
                server.destroy();
                server = null;
                deliverer = null;
                LOG.info("CoAP test server stopped");
            }
        }
    }

    /** Stops the server for good. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            stop();
            closed = true;
            if (delayer != null) {
                delayer.shutdownNow();
            }
        }
    }

    public boolean isRunning() {
        synchronized (lifecycle) {
            return server != null;
        }
    }

    /** @return the plain CoAP port (the bound one once started), -1 if disabled */
    public int plainPort() {
        synchronized (lifecycle) {
            return plainPort;
        }
    }

    /** @return the DTLS port (the bound one once started), -1 if disabled */
    public int dtlsPort() {
        synchronized (lifecycle) {
            return dtlsPort;
        }
    }

    /** @return {@code coap://HOST:PORT}, or {@code null} if plain CoAP is disabled */
    public String plainUri() {
        int port = plainPort();
        return port < 0 ? null : "coap://" + hostForUri() + ":" + port;
    }

    /** @return {@code coaps://HOST:PORT}, or {@code null} if DTLS is disabled */
    public String dtlsUri() {
        int port = dtlsPort();
        return port < 0 ? null : "coaps://" + hostForUri() + ":" + port;
    }

    public String host() {
        return host;
    }

    /** @return the PSK identity, or {@code null} if PSK is off */
    public String pskIdentity() {
        return pskIdentity;
    }

    /** @return the DTLS certificate credentials (given or generated), or {@code null} if DTLS is off */
    public DtlsCredentials dtlsCredentials() {
        return credentials;
    }

    /** @return the certificate chain used for DTLS (empty if RPK only or DTLS off) */
    public List<X509Certificate> dtlsCertificateChain() {
        return credentials == null ? List.of() : credentials.certificateChain();
    }

    private String hostForUri() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private Configuration configuration() {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                DtlsConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, maxBodySize);
        config.set(CoapConfig.PREFERRED_BLOCK_SIZE, 1024);
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 2);
        config.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 2);
        config.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
        config.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.WANTED);
        if (dtlsConnectionIdLength != null) {
            config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, dtlsConnectionIdLength);
        }
        config.set(DtlsConfig.DTLS_USE_SERVER_NAME_INDICATION, dtlsServerName != null);
        return config;
    }

    private DtlsConnectorConfig dtlsConfig(Configuration config) {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(host, dtlsPort))
                .setSessionListener(new SessionAdapter() {
                    @Override
                    public void handshakeCompleted(Handshaker handshaker) {
                        ConnectionId cid = handshaker.getDtlsContext().getReadConnectionId();
                        ServerNames sni = handshaker.getSession().getServerNames();
                        ServerName host = sni == null ? null : sni.getServerName(ServerName.NameType.HOST_NAME);
                        DtlsHandshake handshake = new DtlsHandshake(handshaker.getPeerAddress(),
                                handshaker instanceof ResumingServerHandshaker, cid != null && !cid.isEmpty(),
                                host == null ? null : host.getNameAsString());
                        dtlsHandshakes.add(handshake);
                        LOG.info("DTLS handshake completed: {}", handshake);
                    }
                });
        if (pskIdentity != null) {
            AdvancedMultiPskStore store = new AdvancedMultiPskStore();
            store.setKey(pskIdentity, pskSecret);
            if (dtlsServerName != null) {
                store.setKey(pskIdentity, pskSecret, dtlsServerName);
            }
            builder.setAdvancedPskStore(store);
        }
        if (credentials.certificateChain().isEmpty()) {
            builder.setCertificateIdentityProvider(
                    new SingleCertificateProvider(credentials.privateKey(), credentials.publicKey()));
        } else {
            builder.setCertificateIdentityProvider(new SingleCertificateProvider(credentials.privateKey(),
                    credentials.certificateChain().toArray(X509Certificate[]::new), CertificateType.X_509,
                    CertificateType.RAW_PUBLIC_KEY));
        }
        // client certificates are optional (WANTED) and, if sent, accepted without trust checks
        builder.setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                .setTrustAllCertificates().setTrustAllRPKs().build());
        return builder.build();
    }

    /** The DTLS handshakes the server completed, oldest first (kept across stop/start). */
    public List<DtlsHandshake> dtlsHandshakes() {
        return List.copyOf(dtlsHandshakes);
    }

    // ------------------------------------------------------------------ recorded requests

    /** @return all requests answered with a 2.xx code, oldest first (a snapshot) */
    public List<ReceivedRequest> requests() {
        synchronized (logLock) {
            return log.stream().filter(ReceivedRequest::success).toList();
        }
    }

    /** @return the requests to {@code path} (leading '/' optional) answered with a 2.xx code */
    public List<ReceivedRequest> requests(String path) {
        String normalized = normalize(path);
        synchronized (logLock) {
            return log.stream().filter(r -> r.success() && r.path().equals(normalized)).toList();
        }
    }

    /** @return every recorded request, including dropped ones and those answered with an error code */
    public List<ReceivedRequest> allRequests() {
        synchronized (logLock) {
            return List.copyOf(log);
        }
    }

    /** @return every recorded request to {@code path}, including faulted ones */
    public List<ReceivedRequest> allRequests(String path) {
        String normalized = normalize(path);
        synchronized (logLock) {
            return log.stream().filter(r -> r.path().equals(normalized)).toList();
        }
    }

    /**
     * @return the number of requests answered with a 2.xx code since start or the last {@link #clear()}
     *         (not limited by the request log size)
     */
    public int count() {
        return successCount.get();
    }

    /** @return the payloads currently stored for {@code path} (last N accepted PUT/POST), oldest first */
    public List<ReceivedRequest> history(String path) {
        Deque<ReceivedRequest> deque = histories.get(normalize(path));
        if (deque == null) {
            return List.of();
        }
        synchronized (deque) {
            return List.copyOf(deque);
        }
    }

    /** Forgets all recorded requests and all resource histories (faults and listeners stay). */
    public void clear() {
        synchronized (logLock) {
            log.clear();
            successCount.set(0);
        }
        histories.clear();
    }

    /**
     * Registers a listener called for every recorded request (including faulted ones), on a Californium
     * thread, right after it was recorded. Exceptions thrown by the listener are logged and ignored.
     */
    public CoapTestServer onRequest(Consumer<ReceivedRequest> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    private void record(ReceivedRequest request) {
        synchronized (logLock) {
            log.addLast(request);
            while (log.size() > requestLogLimit) {
                log.removeFirst();
            }
            if (request.success()) {
                successCount.incrementAndGet();
            }
        }
        for (Consumer<ReceivedRequest> listener : listeners) {
            try {
                listener.accept(request);
            } catch (RuntimeException e) {
                LOG.warn("request listener failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ fault injection

    /**
     * Answers every PUT/POST to {@code path} (or to every path if {@code null}) with {@code code}.
     * {@code code == null} removes the rule.
     */
    public CoapTestServer respondWith(String path, ResponseCode code) {
        if (path == null) {
            respondAll = code;
        } else if (code == null) {
            respondPath.remove(normalize(path));
        } else {
            respondPath.put(normalize(path), code);
        }
        return this;
    }

    /** Answers the next {@code n} PUT/POST requests (any path) with {@code code}; replaces a pending failNext. */
    public CoapTestServer failNext(int n, ResponseCode code) {
        if (n < 0) {
            throw new IllegalArgumentException("n < 0");
        }
        synchronized (failLock) {
            failRemaining = n;
            failCode = Objects.requireNonNull(code, "code");
        }
        return this;
    }

    /**
     * Answers every PUT/POST with 5.03 Service Unavailable (with Max-Age = remaining seconds) for
     * {@code duration} from now. {@code Duration.ZERO} ends it.
     */
    public CoapTestServer unavailableFor(Duration duration) {
        unavailableUntilNanos = duration.isZero() || duration.isNegative() ? null
                : System.nanoTime() + duration.toNanos();
        return this;
    }

    /**
     * Answers every PUT/POST to {@code path} with 5.03 Service Unavailable and Max-Age = {@code maxAge} (seconds)
     * for {@code duration} from now, while other paths are answered as usual. {@code Duration.ZERO} ends it.
     */
    public CoapTestServer unavailableFor(String path, Duration duration, long maxAge) {
        if (duration.isZero() || duration.isNegative()) {
            unavailablePaths.remove(normalize(path));
        } else {
            unavailablePaths.put(normalize(path), new long[] {System.nanoTime() + duration.toNanos(), maxAge});
        }
        return this;
    }

    /** Silently drops this share (0.0 .. 1.0) of incoming PUT/POST messages. */
    public CoapTestServer dropRatio(double ratio) {
        if (ratio < 0.0 || ratio > 1.0 || Double.isNaN(ratio)) {
            throw new IllegalArgumentException("drop ratio must be in [0, 1]: " + ratio);
        }
        dropRatio = ratio;
        return this;
    }

    /** Like {@link #dropRatio(double)} and re-seeds the random generator deciding which messages to drop. */
    public CoapTestServer dropRatio(double ratio, long seed) {
        synchronized (randomLock) {
            random = new Random(seed);
        }
        return dropRatio(ratio);
    }

    /**
     * Delays every answer by {@code delay} without blocking Californium's threads; a CON request is
     * acknowledged at once with an empty ACK and answered later with a separate response.
     */
    public CoapTestServer responseDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay");
        }
        responseDelay = delay;
        return this;
    }

    /**
     * Lets {@code body} shape every successful PUT/POST answer (after the request was recorded): set a payload,
     * a Content-Format, a Location-Path, as a device answering a command would. {@code null} removes it.
     */
    public CoapTestServer answerBody(java.util.function.BiConsumer<ReceivedRequest, Response> body) {
        answerBody = body;
        return this;
    }

    /**
     * Handles at most {@code maxAtOnce} PUT/POST requests at once, like a server with a bounded queue: a request is
     * in hand from its arrival until its answer is sent (so with {@link #responseDelay(Duration)} for that long).
     * One that arrives while {@code maxAtOnce} are in hand is turned away: dropped silently before de-duplication
     * when {@code answer} is null (its retransmission gets a fresh chance), else answered at once with
     * {@code answer} (e.g. 5.03 or 4.29, without Max-Age). {@code maxAtOnce} 0 removes the limit.
     */
    public CoapTestServer capacity(int maxAtOnce, ResponseCode answer) {
        if (maxAtOnce < 0) {
            throw new IllegalArgumentException("capacity < 0");
        }
        overloadAnswer = answer;
        capacity = maxAtOnce;
        return this;
    }

    /** PUT/POST requests turned away by {@link #capacity(int, ResponseCode)} so far (dropped or answered). */
    public int turnedAway() {
        return turnedAway.get();
    }

    private boolean overCapacity() {
        int max = capacity;
        return max > 0 && inHand.get() >= max;
    }

    /** Changes the success answer to PUT (default 2.04 Changed). */
    public CoapTestServer putResponse(ResponseCode code) {
        putResponse = Objects.requireNonNull(code);
        return this;
    }

    /** Changes the success answer to POST (default 2.01 Created). */
    public CoapTestServer postResponse(ResponseCode code) {
        postResponse = Objects.requireNonNull(code);
        return this;
    }

    /** Removes all faults: respondWith rules, failNext, unavailable, drop ratio and response delay. */
    public CoapTestServer resetFaults() {
        respondAll = null;
        respondPath.clear();
        synchronized (failLock) {
            failRemaining = 0;
            failCode = null;
        }
        unavailableUntilNanos = null;
        unavailablePaths.clear();
        dropRatio = 0.0;
        responseDelay = Duration.ZERO;
        answerBody = null;
        capacity = 0;
        overloadAnswer = null;
        return this;
    }

    private boolean shouldDrop() {
        double ratio = dropRatio;
        if (ratio <= 0.0) {
            return false;
        }
        if (ratio >= 1.0) {
            return true;
        }
        synchronized (randomLock) {
            return random.nextDouble() < ratio;
        }
    }

    /** @return the fault answer for a PUT/POST to path, or null; sets Max-Age on response for 5.03 */
    private ResponseCode fault(String path, Response[] maxAgeHolder) {
        Long until = unavailableUntilNanos;
        if (until != null) {
            long remaining = until - System.nanoTime();
            if (remaining > 0) {
                Response response = new Response(ResponseCode.SERVICE_UNAVAILABLE);
                response.getOptions().setMaxAge(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(remaining + 999_999_999L)));
                maxAgeHolder[0] = response;
                return ResponseCode.SERVICE_UNAVAILABLE;
            }
        }
        long[] pathUnavailable = unavailablePaths.get(path);
        if (pathUnavailable != null && pathUnavailable[0] - System.nanoTime() > 0) {
            Response response = new Response(ResponseCode.SERVICE_UNAVAILABLE);
            response.getOptions().setMaxAge(pathUnavailable[1]);
            maxAgeHolder[0] = response;
            return ResponseCode.SERVICE_UNAVAILABLE;
        }
        synchronized (failLock) {
            if (failRemaining > 0) {
                failRemaining--;
                return failCode;
            }
        }
        ResponseCode code = respondPath.get(path);
        return code != null ? code : respondAll;
    }

    // ------------------------------------------------------------------ request handling

    private void handle(RecordingResource resource, Exchange exchange) {
        Request request = exchange.getRequest();
        CoapExchange coapExchange = new CoapExchange(exchange, resource);
        ObserveRelation relation = exchange.getRelation();
        if (relation != null && relation.isEstablished()) {
            // an observe notification: re-renders the representation, not a new request
            coapExchange.respond(representation(request));
            return;
        }
        String path = request.getOptions().getUriPathString();
        Code method = request.getCode();
        long nanos = System.nanoTime();
        Instant now = Instant.now();
        Response response;
        boolean notify = false;
        if ((method == Code.PUT || method == Code.POST) && overloadAnswer != null && overCapacity()) {
            turnedAway.incrementAndGet();
            ResponseCode code = overloadAnswer;
            record(received(request, nanos, now, code, false));
            coapExchange.respond(new Response(code));
            return;
        }
        boolean counted = method == Code.PUT || method == Code.POST;
        if (counted) {
            inHand.incrementAndGet();
        }
        if (method == Code.PUT || method == Code.POST) {
            Response[] holder = new Response[1];
            ResponseCode code = fault(path, holder);
            if (code == null && !preconditionHolds(path, request)) {
                code = ResponseCode.PRECONDITION_FAILED;
            }
            if (code == null) {
                code = method == Code.PUT ? putResponse : postResponse;
            }
            response = holder[0] != null ? holder[0] : new Response(code);
            if (code.isSuccess()) {
                response.getOptions().addETag(etag(request.getPayload()));
            }
            ReceivedRequest received = received(request, nanos, now, code, false);
            if (received.success()) {
                Deque<ReceivedRequest> deque = histories.computeIfAbsent(path, p -> new ArrayDeque<>());
                synchronized (deque) {
                    deque.addLast(received);
                    while (deque.size() > history) {
                        deque.removeFirst();
                    }
                }
                notify = true;
            }
            record(received);
            java.util.function.BiConsumer<ReceivedRequest, Response> body = answerBody;
            if (body != null && code.isSuccess()) {
                body.accept(received, response);
            }
        } else if (method == Code.GET) {
            response = representation(request);
            record(received(request, nanos, now, response.getCode(), false));
        } else if (method == Code.DELETE) {
            histories.remove(path);
            response = new Response(ResponseCode.DELETED);
            record(received(request, nanos, now, response.getCode(), false));
            notify = true;
        } else {
            response = new Response(ResponseCode.METHOD_NOT_ALLOWED);
            record(received(request, nanos, now, response.getCode(), false));
        }
        if (notify) {
            resource.changed();
        }
        respond(coapExchange, request, response, counted);
    }

    /**
     * RFC 7252 section 5.10.8: If-Match holds when the resource exists and one value is its current ETag (or is
     * empty); If-None-Match holds when the resource does not exist. The ETag of a resource is derived from its last
     * payload.
     */
    private boolean preconditionHolds(String path, Request request) {
        OptionSet options = request.getOptions();
        if (options.getIfMatchCount() == 0 && !options.hasIfNoneMatch()) {
            return true;
        }
        List<ReceivedRequest> stored = history(path);
        boolean exists = !stored.isEmpty();
        if (options.hasIfNoneMatch() && exists) {
            return false;
        }
        if (options.getIfMatchCount() > 0) {
            if (!exists) {
                return false;
            }
            byte[] current = etag(stored.get(stored.size() - 1).payload());
            for (byte[] wanted : options.getIfMatch()) {
                if (wanted.length == 0 || java.util.Arrays.equals(wanted, current)) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    /** The ETag the server gives a representation: 4 bytes of a hash of its payload. */
    public static byte[] etag(byte[] payload) {
        int h = java.util.Arrays.hashCode(payload);
        return new byte[] {(byte) (h >>> 24), (byte) (h >>> 16), (byte) (h >>> 8), (byte) h};
    }

    private void respond(CoapExchange exchange, Request request, Response response, boolean counted) {
        Duration delay = responseDelay;
        if (delay.isZero()) {
            exchange.respond(response);
            if (counted) {
                inHand.decrementAndGet();
            }
            return;
        }
        if (request.isConfirmable()) {
            exchange.accept();
        }
        ScheduledExecutorService executor;
        synchronized (lifecycle) {
            executor = delayer;
        }
        try {
            executor.schedule(() -> {
                try {
                    exchange.respond(response);
                } finally {
                    if (counted) {
                        inHand.decrementAndGet();
                    }
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (counted) {
                inHand.decrementAndGet();
            }
            LOG.debug("server closed, delayed response not sent");
        }
    }

    private Response representation(Request request) {
        String path = request.getOptions().getUriPathString();
        List<ReceivedRequest> stored = history(path);
        Response response = new Response(ResponseCode.CONTENT);
        if (request.getOptions().getUriQuery().contains(QUERY_LAST)) {
            if (!stored.isEmpty()) {
                ReceivedRequest last = stored.get(stored.size() - 1);
                response.setPayload(last.payload());
                if (last.contentFormat() != MediaTypeRegistry.UNDEFINED) {
                    response.getOptions().setContentFormat(last.contentFormat());
                }
            }
            return response;
        }
        StringBuilder json = new StringBuilder("[");
        for (ReceivedRequest r : stored) {
            if (json.length() > 1) {
                json.append(',');
            }
            int cf = r.contentFormat();
            if (cf == MediaTypeRegistry.APPLICATION_JSON && r.payloadSize() > 0) {
                json.append(r.payloadText());
            } else if (cf == MediaTypeRegistry.APPLICATION_OCTET_STREAM || cf == MediaTypeRegistry.APPLICATION_CBOR) {
                jsonString(json, Base64.getEncoder().encodeToString(r.payload()));
            } else {
                jsonString(json, r.payloadText());
            }
        }
        json.append(']');
        response.setPayload(json.toString().getBytes(StandardCharsets.UTF_8));
        response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        return response;
    }

    static void jsonString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static ReceivedRequest received(Request request, long nanos, Instant now, ResponseCode code,
            boolean dropped) {
        EndpointContext source = request.getSourceContext();
        String identity = null;
        Principal principal = source == null ? null : source.getPeerIdentity();
        if (principal instanceof PreSharedKeyIdentity psk) {
            identity = psk.getIdentity();
        } else if (principal instanceof X509CertPath certPath) {
            identity = certPath.getTarget().getSubjectX500Principal().getName();
        } else if (principal != null) {
            identity = principal.getName();
        }
        return new ReceivedRequest(request.getOptions().getUriPathString(), request.getOptions().getUriQueryString(),
                request.getCode(), request.getPayload(), request.getOptions().getContentFormat(),
                request.isConfirmable(), request.getMID(), request.getTokenString(),
                source == null ? null : source.getPeerAddress(), nanos, now, "coaps".equals(request.getScheme()),
                identity, code, dropped, request.getOptions().getUriPath(), request.getOptions());
    }

    static String normalize(String path) {
        String p = path == null ? "" : path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    // ------------------------------------------------------------------ Californium plumbing

    /** Every path exists: missing resources are created on demand. */
    private final class CatchAllDeliverer extends ServerMessageDeliverer {
        CatchAllDeliverer(Resource root, Configuration config) {
            super(root, config);
        }

        @Override
        protected Resource findResource(List<String> path) {
            Resource current = getRootResource();
            for (String segment : path) {
                // A Uri-Path option may hold '/', which Californium's resource tree cannot name: it stands escaped
                // there, while the request (and what the server records) keeps the segment as it came.
                String name = segment.replace("%", "%25").replace("/", "%2F");
                Resource child = current.getChild(name);
                if (child == null) {
                    synchronized (this) {
                        child = current.getChild(name);
                        if (child == null) {
                            child = new RecordingResource(name);
                            current.add(child);
                        }
                    }
                }
                current = child;
            }
            return current;
        }
    }

    private final class RecordingResource extends CoapResource {
        RecordingResource(String name) {
            super(name, true);
            setObservable(true);
            getAttributes().setObservable();
        }

        @Override
        public void handleRequest(Exchange exchange) {
            handle(this, exchange);
        }
    }

    /** Drops PUT/POST messages on arrival, before de-duplication, so a retransmission gets a fresh chance. */
    private final class DropInterceptor extends MessageInterceptorAdapter {
        @Override
        public void receiveRequest(Request request) {
            Code method = request.getCode();
            if ((method == Code.PUT || method == Code.POST) && shouldDrop()) {
                request.setCanceled(true);
                record(received(request, System.nanoTime(), Instant.now(), null, true));
            } else if ((method == Code.PUT || method == Code.POST) && overloadAnswer == null && overCapacity()) {
                turnedAway.incrementAndGet();
                request.setCanceled(true);
                record(received(request, System.nanoTime(), Instant.now(), null, true));
            }
        }
    }

    // ------------------------------------------------------------------ builder & errors

    /** Thrown by {@link #start()} when a UDP port cannot be bound (typically: already in use). */
    public static final class PortUnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final String host;
        private final int port;

        PortUnavailableException(String host, int port, String scheme) {
            super("cannot bind " + scheme + " UDP port " + port + " on " + host + reason(host, port));
            this.host = host;
            this.port = port;
        }

        private static String reason(String host, int port) {
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(host, port))) {
                return "";
            } catch (SocketException e) {
                return ": " + e.getMessage();
            }
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }
    }

    /** Builder; all settings optional. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private int dtlsPort = -1;
        private String pskIdentity;
        private byte[] pskSecret;
        private DtlsCredentials credentials;
        private int history = 100;
        private int requestLogLimit = 100_000;
        private int maxBodySize = 4 * 1024 * 1024;
        private ResponseCode putResponse = ResponseCode.CHANGED;
        private ResponseCode postResponse = ResponseCode.CREATED;
        private Long seed;
        private Integer dtlsConnectionIdLength;
        private String dtlsServerName;

        private Builder() {
        }

        /** Bind address (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** Plain CoAP port: 0 = ephemeral (default), -1 = off. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** DTLS (coaps) port: 0 = ephemeral, -1 = off (default). */
        public Builder dtlsPort(int port) {
            this.dtlsPort = checkPort(port);
            return this;
        }

        /** Enables PSK cipher suites on the DTLS endpoint with this identity and secret. */
        public Builder psk(String identity, byte[] secret) {
            this.pskIdentity = Objects.requireNonNull(identity, "identity");
            this.pskSecret = Objects.requireNonNull(secret, "secret").clone();
            return this;
        }

        /** Like {@link #psk(String, byte[])} with the UTF-8 bytes of {@code secret}. */
        public Builder psk(String identity, String secret) {
            return psk(identity, secret.getBytes(StandardCharsets.UTF_8));
        }

        /** Certificate credentials for DTLS; if not given (and DTLS is on) an EC key + self-signed cert is generated. */
        public Builder credentials(DtlsCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Certificate chain and private key as PEM files (may be the same file). */
        public Builder certificate(Path certificateChainPem, Path privateKeyPem) {
            return credentials(DtlsCredentials.fromPem(certificateChainPem, privateKeyPem));
        }

        /** Certificate chain and private key from a key store entry. */
        public Builder certificate(KeyStore keyStore, String alias, char[] keyPassword) {
            return credentials(DtlsCredentials.fromKeyStore(keyStore, alias, keyPassword));
        }

        /**
         * DTLS connection IDs (RFC 9146): the server gives clients that support them a connection ID of
         * {@code length} bytes for their records and finds the session by it when a client's address changes
         * (a NAT rebinding). Off by default.
         */
        public Builder dtlsConnectionIdLength(int length) {
            if (length < 1) {
                throw new IllegalArgumentException("connection ID length must be >= 1");
            }
            this.dtlsConnectionIdLength = length;
            return this;
        }

        /**
         * Server name indication: the server reads the host name clients send (recorded in
         * {@link CoapTestServer#dtlsHandshakes()}) and has the PSK also for that virtual host. Off by default.
         */
        public Builder dtlsServerName(String virtualHost) {
            this.dtlsServerName = Objects.requireNonNull(virtualHost);
            return this;
        }

        /** Payloads kept per resource for GET (default 100). */
        public Builder history(int history) {
            if (history < 1) {
                throw new IllegalArgumentException("history must be >= 1");
            }
            this.history = history;
            return this;
        }

        /** Maximum number of requests kept in the log, oldest evicted first (default 100 000). */
        public Builder requestLogLimit(int limit) {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be >= 1");
            }
            this.requestLogLimit = limit;
            return this;
        }

        /** Maximum block-wise body size in bytes (default 4 MiB). */
        public Builder maxBodySize(int bytes) {
            this.maxBodySize = bytes;
            return this;
        }

        public Builder putResponse(ResponseCode code) {
            this.putResponse = Objects.requireNonNull(code);
            return this;
        }

        public Builder postResponse(ResponseCode code) {
            this.postResponse = Objects.requireNonNull(code);
            return this;
        }

        /** Seed of the random generator used by {@link CoapTestServer#dropRatio(double)}. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @return a new, not yet started server */
        public CoapTestServer build() {
            if (port < 0 && dtlsPort < 0) {
                throw new IllegalStateException("both plain and DTLS ports are off");
            }
            return new CoapTestServer(this);
        }

        /** @return a new, started server */
        public CoapTestServer start() {
            return build().start();
        }

        private static int checkPort(int port) {
            if (port < -1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
