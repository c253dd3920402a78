package io.github.coapsink.dtls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.server.MessageDeliverer;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;

/**
 * A Scandium DTLS CoAP server on 127.0.0.1 that answers 2.04 to every PUT/POST on any path and records it,
 * with the peer identity the handshake established. Settings via the builder; {@link #restart()} keeps the port.
 */
public final class DtlsTestServer implements AutoCloseable {

    /** One request the server received. */
    public record Received(String method, String path, String payload, Principal peer, String session) {
    }

    private final Builder settings;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private CoapServer server;
    private int port;

    private DtlsTestServer(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "coaps://127.0.0.1:" + port;
    }

    public List<Received> received() {
        return received;
    }

    private void start(int bindPort) throws IOException {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
        c.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
        c.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE,
                settings.requireClientAuth ? CertificateAuthenticationMode.NEEDED : CertificateAuthenticationMode.NONE);
        if (settings.suites != null) {
            c.setAsList(DtlsConfig.DTLS_CIPHER_SUITES, settings.suites);
            c.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false);
        }
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", bindPort));
        if (settings.pskIdentity != null) {
            AdvancedMultiPskStore store = new AdvancedMultiPskStore();
            store.setKey(settings.pskIdentity, settings.pskSecret.getBytes(StandardCharsets.UTF_8));
            b.setAdvancedPskStore(store);
        }
        if (settings.rpk != null) {
            b.setCertificateIdentityProvider(new SingleCertificateProvider(settings.rpk.getPrivate(), settings.rpk.getPublic()));
        } else if (settings.chainKey != null) {
            b.setCertificateIdentityProvider(new SingleCertificateProvider(settings.chainKey.getPrivate(), settings.chain,
                    CertificateType.X_509));
        }
        if (settings.requireClientAuth) {
            StaticNewAdvancedCertificateVerifier.Builder v = StaticNewAdvancedCertificateVerifier.builder();
            if (settings.trustedClientCas != null) {
                v.setTrustedCertificates(settings.trustedClientCas);
            }
            v.setTrustAllRPKs();
            b.setAdvancedCertificateVerifier(v.build());
        }
        DTLSConnector connector = new DTLSConnector(b.build());
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(c).setConnector(connector).build();
        server = new CoapServer(c);
        server.addEndpoint(endpoint);
        server.setMessageDeliverer(new MessageDeliverer() {
            @Override
            public void deliverRequest(Exchange exchange) {
                var request = exchange.getRequest();
                received.add(new Received(request.getCode().name(), request.getOptions().getUriPathString(),
                        request.getPayloadString(), request.getSourceContext().getPeerIdentity(),
                        String.valueOf(request.getSourceContext().get(DtlsEndpointContext.KEY_SESSION_ID))));
                exchange.sendResponse(new Response(ResponseCode.CHANGED));
            }

            @Override
            public void deliverResponse(Exchange exchange, Response response) {
            }
        });
        server.start();
        port = endpoint.getAddress().getPort();
    }

    /** Stops the server (losing every DTLS session) and starts a new one with the same settings on the same port. */
    public void restart() throws IOException {
        server.destroy();
        start(port);
    }

    public void stop() {
        if (server != null) {
            server.destroy();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Server settings. */
    public static final class Builder {
        private String pskIdentity;
        private String pskSecret;
        private CipherSuite[] suites;
        private KeyPair rpk;
        private KeyPair chainKey;
        private X509Certificate[] chain;
        private boolean requireClientAuth;
        private X509Certificate[] trustedClientCas;

        public Builder psk(String identity, String secret) {
            this.pskIdentity = identity;
            this.pskSecret = secret;
            return this;
        }

        public Builder suites(CipherSuite... suites) {
            this.suites = suites;
            return this;
        }

        public Builder rawPublicKey(KeyPair keys) {
            this.rpk = keys;
            return this;
        }

        public Builder certificate(KeyPair keys, X509Certificate... chain) {
            this.chainKey = keys;
            this.chain = chain;
            return this;
        }

        /** The server needs a client certificate signed by one of these CAs (or any raw public key). */
        public Builder requireClientAuth(X509Certificate... trustedCas) {
            this.requireClientAuth = true;
            this.trustedClientCas = trustedCas.length == 0 ? null : trustedCas;
            return this;
        }

        public DtlsTestServer start() throws IOException {
            DtlsTestServer s = new DtlsTestServer(this);
            s.start(0);
            return s;
        }
    }

    /** The RPK identity a client presented, for assertions. */
    public static RawPublicKeyIdentity rpkOf(KeyPair keys) {
        return new RawPublicKeyIdentity(keys.getPublic());
    }
}
