package io.github.coapsink.testserver;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.exception.ConnectorException;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;

/** Californium clients for the tests: own Configuration, own endpoint on 127.0.0.1:0, short timeouts. */
final class TestClients {

    private TestClients() {
    }

    /** A client configuration: ACK timeout 100 ms (no random factor), {@code maxRetransmit} retransmissions. */
    static Configuration config(int maxRetransmit) {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                DtlsConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
        config.set(CoapConfig.ACK_TIMEOUT, 100, TimeUnit.MILLISECONDS);
        config.set(CoapConfig.ACK_INIT_RANDOM, 1.0f);
        config.set(CoapConfig.MAX_RETRANSMIT, maxRetransmit);
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 4 * 1024 * 1024);
        config.set(CoapConfig.PREFERRED_BLOCK_SIZE, 1024);
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_ROLE, DtlsRole.CLIENT_ONLY);
        config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
        config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
        return config;
    }

    /** Plain CoAP client for {@code uri}; close with {@link #close(CoapClient)}. */
    static CoapClient plain(String uri, int maxRetransmit) {
        Configuration config = config(maxRetransmit);
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        return client(uri, endpoint);
    }

    static CoapClient plain(String uri) {
        return plain(uri, 4);
    }

    /** DTLS client; {@code customizer} adds PSK store / certificate verifier to the connector config. */
    static CoapClient dtls(String uri, Configuration config,
            java.util.function.Consumer<DtlsConnectorConfig.Builder> customizer) {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress("127.0.0.1", 0));
        customizer.accept(builder);
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config)
                .setConnector(new DTLSConnector(builder.build())).build();
        return client(uri, endpoint);
    }

    private static CoapClient client(String uri, Endpoint endpoint) {
        CoapClient client = new CoapClient(uri);
        client.setEndpoint(endpoint);
        client.setTimeout(5_000L);
        return client;
    }

    static void close(CoapClient client) {
        if (client != null) {
            Endpoint endpoint = client.getEndpoint();
            client.shutdown();
            endpoint.destroy();
        }
    }

    /** PUT that returns null instead of throwing when the request fails (timeout, handshake failure). */
    static CoapResponse put(CoapClient client, String payload, int format) {
        try {
            return client.put(payload, format);
        } catch (ConnectorException | java.io.IOException e) {
            return null;
        }
    }
}
