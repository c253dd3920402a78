package io.github.coapsink.dtls;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.config.DtlsCipherSuites;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;

/**
 * What the sink offers and trusts in a DTLS handshake, read from the configuration and the files it names.
 * Every problem is a {@link CredentialProblem} naming the key to fix; no message contains a secret.
 *
 * <p>Immutable once {@link #load loaded}: a sender loads it once at start and every endpoint its pool adds
 * later builds its DTLS connector from the same object, without reading a file, opening a key store or
 * decoding PEM again (the pool grows from a sending thread, which must not do that I/O or fail on a file
 * removed since the start).
 *
 * <p>Identities, in the old connector's order: PSK when {@code connect.coap.username} is set; a raw public
 * key from the PEM files in addition when they are set; otherwise the X.509 chain of the key store. The
 * server is verified against the trust store's certificates, the server's raw public key file, or (only
 * when asked for loudly) not at all.
 */
public final class DtlsCredentials {

    private final String pskIdentity;
    private final Password pskSecret;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final X509Certificate[] certificateChain;
    private final List<X509Certificate> trustedCertificates;
    private final PublicKey serverPublicKey;
    private final boolean trustAll;
    private final List<CipherSuite> cipherSuites;

    private DtlsCredentials(String pskIdentity, Password pskSecret, PrivateKey privateKey, PublicKey publicKey,
            X509Certificate[] certificateChain, List<X509Certificate> trustedCertificates, PublicKey serverPublicKey,
            boolean trustAll, List<CipherSuite> cipherSuites) {
        this.pskIdentity = pskIdentity;
        this.pskSecret = pskSecret;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.certificateChain = certificateChain;
        this.trustedCertificates = trustedCertificates;
        this.serverPublicKey = serverPublicKey;
        this.trustAll = trustAll;
        this.cipherSuites = cipherSuites;
    }

    /**
     * For validate (coaps:// only): the problem that {@link #load} would throw, as key to reason, or empty.
     * The files are read now so that a missing file, a wrong password or a missing alias shows in validate.
     */
    public static Map<String, String> problems(CoapSinkConfig config) {
        if (!config.secure()) {
            return Map.of();
        }
        try {
            load(config);
            return Map.of();
        } catch (CredentialProblem p) {
            return Map.of(p.key(), p.reason());
        }
    }

    /** Reads every file the DTLS keys name and checks that they fit together. */
    public static DtlsCredentials load(CoapSinkConfig config) {
        String identity = blankToNull(config.pskIdentity());
        Password secret = config.pskSecret() == null || config.pskSecret().value().isEmpty() ? null : config.pskSecret();
        if (identity != null && secret == null) {
            throw new CredentialProblem(CoapSinkConfig.PASSWORD, "is required when " + CoapSinkConfig.USERNAME
                    + " is set: PSK needs both the identity and its secret");
        }
        if (secret != null && identity == null) {
            throw new CredentialProblem(CoapSinkConfig.USERNAME, "is required when " + CoapSinkConfig.PASSWORD
                    + " is set: PSK needs both the identity and its secret");
        }
        boolean psk = identity != null;

        String privateFile = blankToNull(config.privateKeyFile());
        String publicFile = blankToNull(config.publicKeyFile());
        if (privateFile != null && publicFile == null) {
            throw new CredentialProblem(CoapSinkConfig.PUBLIC_KEY_FILE, "is required when " + CoapSinkConfig.PRIVATE_KEY_FILE
                    + " is set: a raw public key identity needs both halves of the key pair");
        }
        if (publicFile != null && privateFile == null) {
            throw new CredentialProblem(CoapSinkConfig.PRIVATE_KEY_FILE, "is required when " + CoapSinkConfig.PUBLIC_KEY_FILE
                    + " is set: a raw public key identity needs both halves of the key pair");
        }
        PrivateKey privateKey = null;
        PublicKey publicKey = null;
        X509Certificate[] chain = null;
        if (privateFile != null) {
            privateKey = PemKeys.readPrivateKey(CoapSinkConfig.PRIVATE_KEY_FILE, privateFile);
            publicKey = PemKeys.readPublicKey(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile);
            PemKeys.checkKeyPair(privateKey, publicKey, privateFile, publicFile);
        }

        String keystorePath = blankToNull(config.keystorePath());
        if (keystorePath != null) {
            if (privateFile != null) {
                throw new CredentialProblem(CoapSinkConfig.KEYSTORE_PATH, "cannot be used together with "
                        + CoapSinkConfig.PRIVATE_KEY_FILE + ": the sink presents one certificate identity, either "
                        + "the raw public key of the PEM files or the X.509 chain of the key store; remove one");
            }
            KeyStore store = KeyStores.openStore(CoapSinkConfig.KEYSTORE_PATH, keystorePath, CoapSinkConfig.KEYSTORE_PASS,
                    config.keystorePassword(), "key store");
            String alias = config.certChainAlias() == null ? "" : config.certChainAlias().trim();
            Key key;
            Certificate[] certificates;
            try {
                if (!store.isKeyEntry(alias)) {
                    throw new CredentialProblem(CoapSinkConfig.CERT_CHAIN_KEY, "'" + alias + "' is not a private key entry "
                            + "of the key store " + keystorePath + "; its key entries are " + KeyStores.keyAliases(store));
                }
                key = store.getKey(alias, KeyStores.passwordChars(config.keystorePassword()));
                certificates = store.getCertificateChain(alias);
            } catch (UnrecoverableKeyException e) {
                throw new CredentialProblem(CoapSinkConfig.KEYSTORE_PASS, "opens the key store " + keystorePath
                        + " but not its key '" + alias + "': the key needs the same password as the store");
            } catch (GeneralSecurityException e) {
                throw new CredentialProblem(CoapSinkConfig.CERT_CHAIN_KEY, "cannot read the entry '" + alias + "' of the key "
                        + "store " + keystorePath + ": " + e.getClass().getSimpleName());
            }
            if (!(key instanceof PrivateKey) || certificates == null || certificates.length == 0) {
                throw new CredentialProblem(CoapSinkConfig.CERT_CHAIN_KEY, "the entry '" + alias + "' of the key store "
                        + keystorePath + " has no private key with a certificate chain");
            }
            privateKey = (PrivateKey) key;
            chain = new X509Certificate[certificates.length];
            for (int i = 0; i < certificates.length; i++) {
                chain[i] = (X509Certificate) certificates[i];
            }
            publicKey = chain[0].getPublicKey();
        }

        List<X509Certificate> trusted = null;
        String truststorePath = blankToNull(config.truststorePath());
        List<String> aliases = config.trustedCertAliases().stream().map(String::trim).filter(a -> !a.isEmpty())
                .toList();
        if (truststorePath != null) {
            KeyStore store = KeyStores.openStore(CoapSinkConfig.TRUSTSTORE_PATH, truststorePath, CoapSinkConfig.TRUSTSTORE_PASS,
                    config.truststorePassword(), "trust store");
            trusted = KeyStores.trustedCertificates(store, truststorePath, aliases);
        } else if (!aliases.isEmpty()) {
            throw new CredentialProblem(CoapSinkConfig.CERTS, "names trust store entries " + aliases + " but "
                    + CoapSinkConfig.TRUSTSTORE_PATH + " is not set");
        }

        PublicKey serverKey = null;
        String serverKeyFile = blankToNull(config.serverPublicKeyFile());
        if (serverKeyFile != null) {
            serverKey = PemKeys.readPublicKey(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, serverKeyFile);
        }
        boolean trustAll = config.insecureTrustAll();

        boolean certificateTrust = trusted != null || serverKey != null || trustAll;
        boolean certificateIdentity = privateKey != null;
        if (certificateIdentity && !certificateTrust) {
            throw new CredentialProblem(privateFile != null ? CoapSinkConfig.PRIVATE_KEY_FILE : CoapSinkConfig.KEYSTORE_PATH,
                    "gives the sink a certificate identity, but nothing says which server to trust: set "
                            + CoapSinkConfig.TRUSTSTORE_PATH + " (X.509 server certificates) or "
                            + CoapSinkConfig.SERVER_PUBLIC_KEY_FILE + " (the server's raw public key)");
        }
        if (!psk && !certificateTrust) {
            throw new CredentialProblem(CoapSinkConfig.URI, "coaps:// needs DTLS credentials: set " + CoapSinkConfig.USERNAME
                    + " and " + CoapSinkConfig.PASSWORD + " (PSK), or " + CoapSinkConfig.TRUSTSTORE_PATH
                    + " or " + CoapSinkConfig.SERVER_PUBLIC_KEY_FILE + " to verify the server's certificate or raw "
                    + "public key");
        }

        List<CipherSuite> configured = DtlsCipherSuites.parse(config.dtlsCipherSuites());
        List<CipherSuite> usable = new ArrayList<>();
        for (CipherSuite suite : configured) {
            if (suite.isPskBased() ? psk : certificateTrust) {
                usable.add(suite);
            }
        }
        if (psk && usable.stream().noneMatch(CipherSuite::isPskBased)) {
            throw new CredentialProblem(CoapSinkConfig.DTLS_CIPHER_SUITES, "has no PSK cipher suite, but "
                    + CoapSinkConfig.USERNAME + " is set; add e.g. " + CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        }
        if (certificateTrust && usable.stream().allMatch(CipherSuite::isPskBased)) {
            throw new CredentialProblem(CoapSinkConfig.DTLS_CIPHER_SUITES, "has no certificate (ECDSA/RSA) cipher suite, but "
                    + "a server certificate or raw public key trust is set; add e.g. "
                    + CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
        }
        return new DtlsCredentials(identity, secret, privateKey, publicKey, chain, trusted, serverKey, trustAll,
                Collections.unmodifiableList(usable));
    }

    private static String blankToNull(String value) {
        return value == null || value.trim().isEmpty() ? null : value.trim();
    }

    public boolean psk() {
        return pskIdentity != null;
    }

    public String pskIdentity() {
        return pskIdentity;
    }

    /** The PSK key bytes (UTF-8 of the secret); the caller owns the copy. */
    public byte[] pskKey() {
        return pskSecret.value().getBytes(StandardCharsets.UTF_8);
    }

    /** The sink's private key for a raw public key or X.509 identity, or null. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The X.509 chain from the key store, or null for a raw public key identity (or none). */
    public X509Certificate[] certificateChain() {
        return certificateChain == null ? null : certificateChain.clone();
    }

    /** CA certificates from the trust store, or null when no trust store is set. */
    public List<X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    public PublicKey serverPublicKey() {
        return serverPublicKey;
    }

    public boolean trustAll() {
        return trustAll;
    }

    /** The configured cipher suites that fit these credentials, most preferred first. */
    public List<CipherSuite> cipherSuites() {
        return cipherSuites;
    }

    /** One line for the start-up log: what is offered and trusted, never a secret. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (psk()) {
            parts.add("PSK identity '" + pskIdentity + "'");
        }
        if (privateKey != null) {
            parts.add(certificateChain == null
                    ? "raw public key (" + publicKey.getAlgorithm() + ")"
                    : "X.509 certificate '" + certificateChain[0].getSubjectX500Principal().getName() + "'");
        }
        List<String> trust = new ArrayList<>();
        if (trustedCertificates != null) {
            trust.add(trustedCertificates.size() + " trust store certificate(s)");
        }
        if (serverPublicKey != null) {
            trust.add("the server raw public key file");
        }
        if (trustAll) {
            trust.add("EVERY server key (insecure)");
        }
        return "offers " + (parts.isEmpty() ? "no client identity" : String.join(" + ", parts))
                + (trust.isEmpty() ? "" : ", trusts " + String.join(" and ", trust))
                + ", cipher suites " + cipherSuites;
    }

    @Override
    public String toString() {
        return "DtlsCredentials[" + describe() + "]";
    }
}
