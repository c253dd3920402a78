package io.github.coapsink.config;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;

/**
 * What the sink offers and trusts in a DTLS handshake, read from the configuration and the files it names.
 * Every problem is a {@link Problem} naming the key to fix; no message contains a secret.
 *
 * <p>Identities, in the old connector's order: PSK when {@code connect.coap.username} is set; a raw public
 * key from the PEM files in addition when they are set; otherwise the X.509 chain of the key store. The
 * server is verified against the trust store's certificates, the server's raw public key file, or (only
 * when asked for loudly) not at all.
 */
public final class DtlsCredentials {

    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448"};

    /** A configuration problem and the key the user should change. */
    public static final class Problem extends ConfigException {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final String reason;

        Problem(String key, String reason) {
            super(key + ": " + reason);
            this.key = key;
            this.reason = reason;
        }

        public String key() {
            return key;
        }

        /** The message without the key, for the key's validate result. */
        public String reason() {
            return reason;
        }
    }

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

    /** Reads every file the DTLS keys name and checks that they fit together. */
    public static DtlsCredentials load(CoapSinkConfig config) {
        String identity = blankToNull(config.pskIdentity());
        Password secret = config.pskSecret() == null || config.pskSecret().value().isEmpty() ? null : config.pskSecret();
        if (identity != null && secret == null) {
            throw new Problem(CoapSinkConfig.PASSWORD, "is required when " + CoapSinkConfig.USERNAME
                    + " is set: PSK needs both the identity and its secret");
        }
        if (secret != null && identity == null) {
            throw new Problem(CoapSinkConfig.USERNAME, "is required when " + CoapSinkConfig.PASSWORD
                    + " is set: PSK needs both the identity and its secret");
        }
        boolean psk = identity != null;

        String privateFile = blankToNull(config.privateKeyFile());
        String publicFile = blankToNull(config.publicKeyFile());
        if (privateFile != null && publicFile == null) {
            throw new Problem(CoapSinkConfig.PUBLIC_KEY_FILE, "is required when " + CoapSinkConfig.PRIVATE_KEY_FILE
                    + " is set: a raw public key identity needs both halves of the key pair");
        }
        if (publicFile != null && privateFile == null) {
            throw new Problem(CoapSinkConfig.PRIVATE_KEY_FILE, "is required when " + CoapSinkConfig.PUBLIC_KEY_FILE
                    + " is set: a raw public key identity needs both halves of the key pair");
        }
        PrivateKey privateKey = null;
        PublicKey publicKey = null;
        X509Certificate[] chain = null;
        if (privateFile != null) {
            privateKey = readPrivateKey(CoapSinkConfig.PRIVATE_KEY_FILE, privateFile);
            publicKey = readPublicKey(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile);
            checkKeyPair(privateKey, publicKey, privateFile, publicFile);
        }

        String keystorePath = blankToNull(config.keystorePath());
        if (keystorePath != null) {
            if (privateFile != null) {
                throw new Problem(CoapSinkConfig.KEYSTORE_PATH, "cannot be used together with "
                        + CoapSinkConfig.PRIVATE_KEY_FILE + ": the sink presents one certificate identity, either "
                        + "the raw public key of the PEM files or the X.509 chain of the key store; remove one");
            }
            KeyStore store = openStore(CoapSinkConfig.KEYSTORE_PATH, keystorePath, CoapSinkConfig.KEYSTORE_PASS,
                    config.keystorePassword(), "key store");
            String alias = config.certChainAlias() == null ? "" : config.certChainAlias().trim();
            Key key;
            Certificate[] certificates;
            try {
                if (!store.isKeyEntry(alias)) {
                    throw new Problem(CoapSinkConfig.CERT_CHAIN_KEY, "'" + alias + "' is not a private key entry "
                            + "of the key store " + keystorePath + "; its key entries are " + keyAliases(store));
                }
                key = store.getKey(alias, passwordChars(config.keystorePassword()));
                certificates = store.getCertificateChain(alias);
            } catch (UnrecoverableKeyException e) {
                throw new Problem(CoapSinkConfig.KEYSTORE_PASS, "opens the key store " + keystorePath
                        + " but not its key '" + alias + "': the key needs the same password as the store");
            } catch (GeneralSecurityException e) {
                throw new Problem(CoapSinkConfig.CERT_CHAIN_KEY, "cannot read the entry '" + alias + "' of the key "
                        + "store " + keystorePath + ": " + e.getClass().getSimpleName());
            }
            if (!(key instanceof PrivateKey) || certificates == null || certificates.length == 0) {
                throw new Problem(CoapSinkConfig.CERT_CHAIN_KEY, "the entry '" + alias + "' of the key store "
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
            KeyStore store = openStore(CoapSinkConfig.TRUSTSTORE_PATH, truststorePath, CoapSinkConfig.TRUSTSTORE_PASS,
                    config.truststorePassword(), "trust store");
            trusted = trustedCertificates(store, truststorePath, aliases);
        } else if (!aliases.isEmpty()) {
            throw new Problem(CoapSinkConfig.CERTS, "names trust store entries " + aliases + " but "
                    + CoapSinkConfig.TRUSTSTORE_PATH + " is not set");
        }

        PublicKey serverKey = null;
        String serverKeyFile = blankToNull(config.serverPublicKeyFile());
        if (serverKeyFile != null) {
            serverKey = readPublicKey(CoapSinkConfig.SERVER_PUBLIC_KEY_FILE, serverKeyFile);
        }
        boolean trustAll = config.insecureTrustAll();

        boolean certificateTrust = trusted != null || serverKey != null || trustAll;
        boolean certificateIdentity = privateKey != null;
        if (certificateIdentity && !certificateTrust) {
            throw new Problem(privateFile != null ? CoapSinkConfig.PRIVATE_KEY_FILE : CoapSinkConfig.KEYSTORE_PATH,
                    "gives the sink a certificate identity, but nothing says which server to trust: set "
                            + CoapSinkConfig.TRUSTSTORE_PATH + " (X.509 server certificates) or "
                            + CoapSinkConfig.SERVER_PUBLIC_KEY_FILE + " (the server's raw public key)");
        }
        if (!psk && !certificateTrust) {
            throw new Problem(CoapSinkConfig.URI, "coaps:// needs DTLS credentials: set " + CoapSinkConfig.USERNAME
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
            throw new Problem(CoapSinkConfig.DTLS_CIPHER_SUITES, "has no PSK cipher suite, but "
                    + CoapSinkConfig.USERNAME + " is set; add e.g. " + CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        }
        if (certificateTrust && usable.stream().allMatch(CipherSuite::isPskBased)) {
            throw new Problem(CoapSinkConfig.DTLS_CIPHER_SUITES, "has no certificate (ECDSA/RSA) cipher suite, but "
                    + "a server certificate or raw public key trust is set; add e.g. "
                    + CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
        }
        return new DtlsCredentials(identity, secret, privateKey, publicKey, chain, trusted, serverKey, trustAll,
                Collections.unmodifiableList(usable));
    }

    private static List<X509Certificate> trustedCertificates(KeyStore store, String path, List<String> aliases) {
        List<X509Certificate> trusted = new ArrayList<>();
        try {
            List<String> wanted = aliases.isEmpty() ? Collections.list(store.aliases()) : aliases;
            List<String> missing = new ArrayList<>();
            for (String alias : wanted) {
                Certificate certificate = store.getCertificate(alias);
                if (certificate instanceof X509Certificate x509) {
                    trusted.add(x509);
                } else {
                    missing.add(alias);
                }
            }
            if (!missing.isEmpty()) {
                throw new Problem(CoapSinkConfig.CERTS, "names " + missing + ", which are not certificates in the "
                        + "trust store " + path + "; it holds " + Collections.list(store.aliases()));
            }
        } catch (GeneralSecurityException e) {
            throw new Problem(CoapSinkConfig.TRUSTSTORE_PATH, path + " cannot be read: " + e.getClass().getSimpleName());
        }
        if (trusted.isEmpty()) {
            throw new Problem(CoapSinkConfig.TRUSTSTORE_PATH, path + " holds no certificate to trust");
        }
        return Collections.unmodifiableList(trusted);
    }

    private static KeyStore openStore(String pathKey, String path, String passKey, Password password, String what) {
        File file = readableFile(pathKey, path);
        try {
            return KeyStore.getInstance(file, passwordChars(password));
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase().contains("password")) {
                throw new Problem(passKey, "does not open the " + what + " " + path + ": wrong password");
            }
            throw new Problem(pathKey, path + " cannot be read as a JKS or PKCS12 " + what + ": "
                    + e.getClass().getSimpleName());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new Problem(pathKey, path + " is not a JKS or PKCS12 " + what + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static List<String> keyAliases(KeyStore store) throws GeneralSecurityException {
        List<String> keys = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                keys.add(alias);
            }
        }
        return keys;
    }

    private static char[] passwordChars(Password password) {
        return password == null ? new char[0] : password.value().toCharArray();
    }

    static PrivateKey readPrivateKey(String key, String path) {
        for (String[] block : pemBlocks(key, path)) {
            String type = block[0];
            switch (type) {
                case "PRIVATE KEY":
                    byte[] der = decode(key, path, block[1]);
                    for (String algorithm : KEY_ALGORITHMS) {
                        try {
                            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                        } catch (GeneralSecurityException e) {
                            // try the next algorithm
                        }
                    }
                    throw new Problem(key, path + " holds a PKCS#8 key of an algorithm this JVM cannot read; use "
                            + "an EC or RSA key");
                case "RSA PRIVATE KEY":
                    throw new Problem(key, path + " is a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY'); convert it to "
                            + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + path + " -out " + pkcs8Name(path));
                case "EC PRIVATE KEY":
                    throw new Problem(key, path + " is a SEC1 EC key ('BEGIN EC PRIVATE KEY'); convert it to "
                            + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + path + " -out " + pkcs8Name(path));
                case "ENCRYPTED PRIVATE KEY":
                    throw new Problem(key, path + " is an encrypted PKCS#8 key; the sink reads unencrypted keys "
                            + "(protect the file with permissions instead): openssl pkcs8 -topk8 -nocrypt -in "
                            + path + " -out " + pkcs8Name(path));
                default:
                    // e.g. EC PARAMETERS before the key: skip
            }
        }
        throw new Problem(key, path + " holds no PEM private key ('-----BEGIN PRIVATE KEY-----')");
    }

    static PublicKey readPublicKey(String key, String path) {
        for (String[] block : pemBlocks(key, path)) {
            switch (block[0]) {
                case "PUBLIC KEY":
                    byte[] der = decode(key, path, block[1]);
                    for (String algorithm : KEY_ALGORITHMS) {
                        try {
                            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
                        } catch (GeneralSecurityException e) {
                            // try the next algorithm
                        }
                    }
                    throw new Problem(key, path + " holds a public key of an algorithm this JVM cannot read; use "
                            + "an EC or RSA key");
                case "RSA PUBLIC KEY":
                    throw new Problem(key, path + " is a PKCS#1 RSA public key ('BEGIN RSA PUBLIC KEY'); convert "
                            + "it with: openssl rsa -RSAPublicKey_in -in " + path + " -pubout -out "
                            + pkcs8Name(path));
                case "CERTIFICATE":
                    throw new Problem(key, path + " is a certificate; extract its public key with: openssl x509 "
                            + "-in " + path + " -pubkey -noout > public.pem");
                default:
                    // skip
            }
        }
        throw new Problem(key, path + " holds no PEM public key ('-----BEGIN PUBLIC KEY-----')");
    }

    private static List<String[]> pemBlocks(String key, String path) {
        String text;
        try {
            text = Files.readString(readableFile(key, path).toPath(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new Problem(key, path + " cannot be read: " + e.getClass().getSimpleName());
        }
        List<String[]> blocks = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2)});
        }
        if (blocks.isEmpty()) {
            throw new Problem(key, path + " is not a PEM file (no '-----BEGIN ...-----' block)");
        }
        return blocks;
    }

    private static byte[] decode(String key, String path, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new Problem(key, path + " has a damaged PEM block (bad base64)");
        }
    }

    private static File readableFile(String key, String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new Problem(key, path + " does not exist (the file must be on every worker that runs a task)");
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new Problem(key, path + " is not a readable file for the worker's user");
        }
        return p.toFile();
    }

    private static String pkcs8Name(String path) {
        return path.endsWith(".pem") ? path.substring(0, path.length() - 4) + "-pkcs8.pem" : path + "-pkcs8.pem";
    }

    private static void checkKeyPair(PrivateKey privateKey, PublicKey publicKey, String privateFile,
            String publicFile) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            throw new Problem(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile + " holds a " + publicKey.getAlgorithm()
                    + " key but " + privateFile + " a " + privateKey.getAlgorithm() + " key; they must be one pair");
        }
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> privateKey.getAlgorithm();
        };
        try {
            byte[] probe = "coap-sink key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new Problem(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile + " is not the public key of the private key in "
                + privateFile);
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
