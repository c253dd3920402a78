package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.InMemoryMessageExchangeStore;
import org.eclipse.californium.core.network.RandomTokenGenerator;
import org.eclipse.californium.elements.Connector;
import org.eclipse.californium.elements.UDPConnector;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that builds Californium endpoints for the sink: its own {@link Configuration} per
 * endpoint (never the JVM-global, file-writing standard one) and a UDP or DTLS connector.
 */
public final class EndpointFactory {

    private static final Logger log = LoggerFactory.getLogger(EndpointFactory.class);

    private EndpointFactory() {
    }

    public static Configuration californiumConfiguration(CoapSinkConfig config) {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
        c.set(CoapConfig.ACK_TIMEOUT, (int) config.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
        c.set(CoapConfig.MAX_RETRANSMIT, config.maxRetransmit());
        // Block-wise bodies up to the largest payload we send (plus room for a response body).
        c.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, Math.max(config.maxPayloadBytes(), 64 * 1024));
        // One receiver and one sender thread per endpoint: a task may run many endpoints.
        c.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        c.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        // Room for a burst of answers to a full window (the kernel may cap it at net.core.rmem_max).
        c.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, 1024 * 1024);
        return c;
    }

    /**
     * Where endpoint {@code index} of this task's pool binds: with a fixed port, the task's own range (task t,
     * endpoint i: port + t x endpoints + i), so that several tasks on one worker do not collide; else a free port.
     */
    public static InetSocketAddress bindAddress(CoapSinkConfig config, int index) {
        String host = bindHost(config);
        int port = config.bindPort() == 0 ? 0 : config.bindPort() + config.taskIndex() * config.endpoints() + index;
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /**
     * The configured local host, unless it is a loopback address and the server is not: a socket bound to
     * loopback cannot reach another host, and {@code localhost} was the old connector's default (which applied
     * it to DTLS only). Then every local address is bound.
     */
    static String bindHost(CoapSinkConfig config) {
        String host = config.bindHost();
        return !host.isEmpty() && isLoopback(host) && !isLoopback(config.uri().getHost()) ? "" : host;
    }

    private static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** One endpoint; {@code credentials} are the sender's, loaded once at its start (null for coap://). */
    static CoapEndpoint create(CoapSinkConfig config, DtlsCredentials credentials, Configuration californium,
            int index) {
        InetSocketAddress bind = bindAddress(config, index);
        if (index == 0 && !config.bindHost().equals(bindHost(config))) {
            log.warn("{}={} is a loopback address but the server {} is not on loopback, which a socket bound there "
                    + "cannot reach; binding every local address instead. Remove {} (or set a non-loopback address) "
                    + "to silence this.", CoapSinkConfig.HOST, config.bindHost(), config.uri().getHost(),
                    CoapSinkConfig.HOST);
        }
        if (bind.isUnresolved()) {
            throw new ConfigException(CoapSinkConfig.HOST, config.bindHost(),
                    "cannot be resolved to a local address; leave it empty to bind every local address");
        }
        Connector connector = config.secure()
                ? DtlsConnectors.create(config, credentials, californium, bind)
                : new UDPConnector(bind, californium);
        // Our own exchange store, for its duplicate detection (see RestartTolerantDeduplicator); it must share
        // the endpoint's token generator.
        RandomTokenGenerator tokens = new RandomTokenGenerator(californium);
        InMemoryMessageExchangeStore store = new InMemoryMessageExchangeStore("coap-sink", californium, tokens);
        store.setDeduplicator(new RestartTolerantDeduplicator(californium));
        return new CoapEndpoint.Builder()
                .setConfiguration(californium)
                .setConnector(connector)
                .setTokenGenerator(tokens)
                .setMessageExchangeStore(store)
                .setLoggingTag("coap-sink")
                .build();
    }
}
