package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.util.StringUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the server is: the host of {@code connect.coap.uri}, resolved when the sender starts and again, at most
 * every {@link #RESOLVE_INTERVAL}, while it cannot be resolved or after a request to it failed, so that an
 * address change (a DNS update, a moved device) is picked up and a name that does not resolve yet is a
 * retriable send failure rather than a failed task. A literal IP address is never looked up.
 */
final class ServerAddress {

    private static final Logger log = LoggerFactory.getLogger(ServerAddress.class);

    /** The shortest time between two lookups of the host. */
    static final Duration RESOLVE_INTERVAL = Duration.ofSeconds(5);

    /** Looks a host name up; {@link InetAddress#getByName} outside tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    /** A resolved server: the address and the endpoint context requests are sent to. */
    record Resolved(InetSocketAddress address, AddressEndpointContext context) {
    }

    private final URI uri;
    private final String host;
    private final int port;
    /** The virtual host that goes out as SNI and Uri-Host; null for a literal IP address. */
    private final String virtualHost;
    private final Resolver resolver;
    private final Executor lookups;
    private final long intervalNanos;
    private final AtomicBoolean lookupRunning = new AtomicBoolean();
    private volatile Resolved resolved;
    private volatile String lastError;
    private volatile long lastLookupNanos;

    ServerAddress(URI uri, boolean secure, Resolver resolver, Executor lookups, Duration interval) {
        this.uri = uri;
        this.host = stripBrackets(uri.getHost());
        this.port = uri.getPort() != -1 ? uri.getPort() : (secure ? CoAP.DEFAULT_COAP_SECURE_PORT : CoAP.DEFAULT_COAP_PORT);
        this.virtualHost = StringUtil.isLiteralIpAddress(host) ? null : uri.getHost();
        this.resolver = resolver;
        this.lookups = lookups;
        this.intervalNanos = interval.toNanos();
    }

    /** Looks the host up now, on the calling thread; logs a warning (naming the key) if it cannot be resolved. */
    void resolveNow() {
        lookup();
        if (resolved == null) {
            log.warn("{}; requests fail as retriable until it resolves (looked up again at most every {} s)",
                    unresolvedMessage(), RESOLVE_INTERVAL.toSeconds());
        }
    }

    /** The resolved server, or null while the host cannot be resolved (a lookup is then started if due). */
    Resolved current() {
        Resolved r = resolved;
        if (r == null) {
            lookupIfDue();
        }
        return r;
    }

    /** A request to the server failed the way a moved server would make it fail: look the host up again, if due. */
    void requestFailed() {
        if (virtualHost != null) {
            lookupIfDue();
        }
    }

    /** Why no request can be sent: the host, the key and the resolver's answer. */
    String unresolvedMessage() {
        return "Cannot resolve the CoAP server host '" + uri.getHost() + "' of " + CoapSinkConfig.URI + "=" + uri
                + (lastError == null ? "" : ": " + lastError);
    }

    /** host:port as the URI names it, for messages. */
    String peer() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    String virtualHost() {
        return virtualHost;
    }

    private void lookupIfDue() {
        if (System.nanoTime() - lastLookupNanos < intervalNanos || !lookupRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            lookups.execute(() -> {
                try {
                    lookup();
                } finally {
                    lookupRunning.set(false);
                }
            });
        } catch (RuntimeException e) {
            lookupRunning.set(false); // executor shut down: the sender is closing
        }
    }

    private void lookup() {
        lastLookupNanos = System.nanoTime();
        InetAddress address;
        try {
            address = resolver.resolve(host);
        } catch (UnknownHostException e) {
            lastError = e.getMessage() == null ? "unknown host" : e.getMessage();
            if (resolved != null) {
                // keep sending to the last known address: a DNS hiccup is no reason to stop
                log.debug("Looking up {} again failed ({}); keeping {}", host, lastError, resolved.address());
            }
            return;
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            return;
        }
        lastError = null;
        InetSocketAddress socketAddress = new InetSocketAddress(address, port);
        Resolved previous = resolved;
        if (previous != null && previous.address().getAddress().equals(address)) {
            return;
        }
        resolved = new Resolved(socketAddress, new AddressEndpointContext(socketAddress, virtualHost, null));
        if (previous != null) {
            log.info("CoAP server host '{}' of {} now resolves to {} (was {}); sending there", uri.getHost(),
                    CoapSinkConfig.URI, address.getHostAddress(), previous.address().getAddress().getHostAddress());
        }
    }

    static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
