package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsCredentials;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.DtlsException;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the DTLS 1.2 client connector for coaps:// URIs from {@link DtlsCredentials} loaded once per sender:
 * building one reads no file, so it is cheap and cannot fail on a credential file when the pool grows.
 */
final class DtlsConnectors {

    private static final Logger log = LoggerFactory.getLogger(DtlsConnectors.class);

    /**
     * After this long without traffic the next request resumes the session first: NAT bindings and server
     * session caches expire, and Scandium's documentation names 30 s as the common value.
     */
    static final Duration AUTO_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_HANDSHAKE_RETRANSMISSIONS = 8;

    private DtlsConnectors() {
    }

    static DTLSConnector create(CoapSinkConfig config, DtlsCredentials credentials, Configuration californium,
            InetSocketAddress bind) {
        if (credentials.trustAll()) {
            log.warn("{}=true: the sink trusts EVERY server certificate and raw public key for {}; anyone on the "
                    + "network path can impersonate the server. Use this for tests only.",
                    CoapSinkConfig.DTLS_INSECURE_TRUST_ALL, config.uri());
        }
        List<CipherSuite> suites = credentials.cipherSuites();
        californium.set(DtlsConfig.DTLS_ROLE, DtlsRole.CLIENT_ONLY);
        // A retransmission after a new handshake (server restarted, session lost) travels in a new session;
        // STRICT matching would refuse to send it. PRINCIPAL still requires the same authenticated peer.
        // The endpoint is built with this same Configuration, so the setting reaches it.
        californium.set(CoapConfig.RESPONSE_MATCHING, CoapConfig.MatcherMode.PRINCIPAL);
        californium.setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suites.toArray(new CipherSuite[0]));
        californium.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, suites.stream().allMatch(CipherSuite::isRecommended));
        californium.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, config.verifyServerHostname());
        californium.set(DtlsConfig.DTLS_USE_SERVER_NAME_INDICATION, true);
        if (config.dtlsConnectionIdLength() > 0) {
            // Offers RFC 9146's connection_id extension (code point 54); the server's own ID in our records
            // lets it follow the session to a new address, which is what the auto-handshake after a silence
            // is for otherwise (an expired NAT binding gives us a new port), so that one is left off.
            // SNI is unaffected: it names the server in handshakes only.
            californium.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, config.dtlsConnectionIdLength());
        } else {
            californium.set(DtlsConfig.DTLS_AUTO_HANDSHAKE_TIMEOUT, (int) AUTO_HANDSHAKE_TIMEOUT.toSeconds(),
                    TimeUnit.SECONDS);
        }
        int retransmissionTimeout = (int) config.ackTimeout().toMillis();
        californium.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, retransmissionTimeout, TimeUnit.MILLISECONDS);
        californium.set(DtlsConfig.DTLS_MAX_RETRANSMISSION_TIMEOUT,
                Math.max(retransmissionTimeout, DtlsConfig.DEFAULT_MAX_RETRANSMISSION_TIMEOUT_IN_MILLISECONDS),
                TimeUnit.MILLISECONDS);
        californium.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS,
                handshakeRetransmissions(retransmissionTimeout, config.requestTimeout().toMillis()));

        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(californium)
                .setAddress(bind)
                .setLoggingTag("coap-sink");
        if (credentials.psk()) {
            byte[] key = credentials.pskKey();
            try {
                builder.setAdvancedPskStore(new AdvancedSinglePskStore(credentials.pskIdentity(), key));
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        }
        X509Certificate[] chain = credentials.certificateChain();
        if (credentials.privateKey() != null) {
            builder.setCertificateIdentityProvider(chain == null
                    ? new SingleCertificateProvider(credentials.privateKey(), credentials.publicKey())
                    : new SingleCertificateProvider(credentials.privateKey(), chain, CertificateType.X_509));
        }
        if (suites.stream().anyMatch(s -> !s.isPskBased())) {
            StaticNewAdvancedCertificateVerifier.Builder verifier = StaticNewAdvancedCertificateVerifier.builder();
            if (credentials.trustAll()) {
                verifier.setTrustAllCertificates().setTrustAllRPKs();
            } else {
                if (credentials.trustedCertificates() != null) {
                    verifier.setTrustedCertificates(credentials.trustedCertificates().toArray(new X509Certificate[0]));
                }
                if (credentials.serverPublicKey() != null) {
                    verifier.setTrustedRPKs(new RawPublicKeyIdentity(credentials.serverPublicKey()));
                }
            }
            builder.setAdvancedCertificateVerifier(verifier.build());
        }
        DtlsConnectorConfig dtls;
        try {
            dtls = builder.build();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ConfigException("The DTLS settings (connect.coap.* security keys) are rejected by Scandium: "
                    + e.getMessage());
        }
        log.info("DTLS for {} {}{}", config.uri(), credentials.describe(), config.dtlsConnectionIdLength() > 0
                ? ", connection IDs (RFC 9146) of " + config.dtlsConnectionIdLength() + " bytes" : "");
        return new DTLSConnector(dtls);
    }

    /** A send error as a result: a failed DTLS handshake counts apart from other send errors. */
    static SendResult asResult(Throwable error, String detail) {
        return error instanceof HandshakeException || error instanceof DtlsException
                ? SendResult.handshakeFailure(detail)
                : SendResult.transientFailure(null, detail);
    }

    /**
     * As many handshake flight retransmissions (the wait doubles each time) as fit into the request timeout,
     * so that a server that does not answer the handshake shows as a handshake failure, not as a timeout.
     */
    static int handshakeRetransmissions(long initialTimeoutMillis, long requestTimeoutMillis) {
        int n = 1;
        while (n < MAX_HANDSHAKE_RETRANSMISSIONS && initialTimeoutMillis * ((1L << (n + 2)) - 1) <= requestTimeoutMillis) {
            n++;
        }
        return n;
    }
}
