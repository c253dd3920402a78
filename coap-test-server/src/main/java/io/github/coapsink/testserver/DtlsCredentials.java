package io.github.coapsink.testserver;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemWriter;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;

/**
 * The server's DTLS certificate credentials: a private key plus either an X.509 chain (which Scandium
 * also offers as raw public key) or only a public key (raw public key only).
 *
 * <p>Instances are immutable.
 */
public final class DtlsCredentials {

    /** Subject of generated self-signed certificates. */
    public static final String GENERATED_SUBJECT = "CN=coap-test-server";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final List<X509Certificate> chain;
    private final boolean generated;

    private DtlsCredentials(PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain,
            boolean generated) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.chain = List.copyOf(chain);
        this.generated = generated;
    }

    /**
     * Generates an EC P-256 key pair and a self-signed X.509 certificate (valid from one hour ago for one
     * year; SubjectAltName localhost, 127.0.0.1, ::1 and {@code host}).
     */
    public static DtlsCredentials generate(String host) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keyPair = generator.generateKeyPair();
            X509Certificate certificate = selfSigned(keyPair, host);
            return new DtlsCredentials(keyPair.getPrivate(), keyPair.getPublic(), List.of(certificate), true);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate DTLS credentials: " + e, e);
        }
    }

    private static X509Certificate selfSigned(KeyPair keyPair, String host)
            throws OperatorCreationException, IOException, GeneralSecurityException {
        X500Name name = new X500Name(GENERATED_SUBJECT);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                new BigInteger(63, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), name,
                keyPair.getPublic());
        Set<GeneralName> altNames = new LinkedHashSet<>();
        altNames.add(new GeneralName(GeneralName.dNSName, "localhost"));
        altNames.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        altNames.add(new GeneralName(GeneralName.iPAddress, "::1"));
        if (host != null && !host.isBlank() && !host.equals("localhost")) {
            boolean literal = host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':'
                    || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
            if (literal && (host.indexOf('.') >= 0 || host.indexOf(':') >= 0)) {
                InetAddress address = InetAddress.getByName(host);
                if (!address.isAnyLocalAddress()) {
                    altNames.add(new GeneralName(GeneralName.iPAddress, address.getHostAddress()));
                }
            } else {
                altNames.add(new GeneralName(GeneralName.dNSName, host));
            }
        }
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(altNames.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(keyPair.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    /**
     * Loads a certificate chain and a private key from PEM files (they may be the same file). Accepted
     * key formats: PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") and PKCS#1 ("RSA PRIVATE KEY", not
     * usable by Scandium's ECDSA cipher suites). Unencrypted keys only.
     */
    public static DtlsCredentials fromPem(Path certificateChainPem, Path privateKeyPem) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            PrivateKey key = null;
            JcaX509CertificateConverter certConverter = new JcaX509CertificateConverter();
            JcaPEMKeyConverter keyConverter = new JcaPEMKeyConverter();
            for (Path file : new LinkedHashSet<>(List.of(certificateChainPem, privateKeyPem))) {
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                        PEMParser parser = new PEMParser(reader)) {
                    Object object;
                    while ((object = parser.readObject()) != null) {
                        if (object instanceof X509CertificateHolder holder && file.equals(certificateChainPem)) {
                            chain.add(certConverter.getCertificate(holder));
                        } else if (object instanceof PEMKeyPair pair && key == null && file.equals(privateKeyPem)) {
                            key = keyConverter.getKeyPair(pair).getPrivate();
                        } else if (object instanceof PrivateKeyInfo info && key == null && file.equals(privateKeyPem)) {
                            key = keyConverter.getPrivateKey(info);
                        }
                    }
                }
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("no certificate found in " + certificateChainPem);
            }
            if (key == null) {
                throw new IllegalArgumentException("no (unencrypted) private key found in " + privateKeyPem);
            }
            return new DtlsCredentials(key, chain.get(0).getPublicKey(), chain, false);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read PEM credentials: " + e, e);
        }
    }

    /** Takes the key and certificate chain stored under {@code alias} in a key store. */
    public static DtlsCredentials fromKeyStore(KeyStore keyStore, String alias, char[] keyPassword) {
        try {
            Key key = keyStore.getKey(alias, keyPassword);
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalArgumentException("no private key under alias '" + alias + "'");
            }
            Certificate[] certificates = keyStore.getCertificateChain(alias);
            if (certificates == null || certificates.length == 0) {
                throw new IllegalArgumentException("no certificate chain under alias '" + alias + "'");
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : certificates) {
                chain.add((X509Certificate) certificate);
            }
            return new DtlsCredentials(privateKey, chain.get(0).getPublicKey(), chain, false);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read key store entry '" + alias + "': " + e, e);
        }
    }

    /** Raw public key only (no certificate): the server then offers only RFC 7250 raw public keys. */
    public static DtlsCredentials rawPublicKey(KeyPair keyPair) {
        return new DtlsCredentials(keyPair.getPrivate(), keyPair.getPublic(), List.of(), false);
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** @return the certificate chain, leaf first; empty for raw-public-key-only credentials */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** @return {@code true} if the credentials were generated on the spot (not loaded) */
    public boolean generated() {
        return generated;
    }

    /** @return the raw public key identity name as Scandium reports it, {@code ni:///sha-256;...} */
    public String rawPublicKeyName() {
        return new RawPublicKeyIdentity(publicKey).getName();
    }

    /** @return the public key as Base64 of its DER SubjectPublicKeyInfo (what RPK clients need to trust) */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** @return the leaf certificate as PEM, or {@code null} without certificate */
    public String certificatePem() {
        if (chain.isEmpty()) {
            return null;
        }
        try {
            StringWriter out = new StringWriter();
            try (PemWriter writer = new PemWriter(out)) {
                writer.writeObject(new JcaMiscPEMGenerator(chain.get(0)));
            }
            return out.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return SHA-256 fingerprint of the leaf certificate (hex, colon separated), or {@code null} */
    public String certificateSha256() {
        if (chain.isEmpty()) {
            return null;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return a human readable, multi-line description (no private material) */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append(generated ? "generated " : "").append("EC key, raw public key (RPK):\n");
        text.append("  public key (Base64 SubjectPublicKeyInfo): ").append(publicKeyBase64()).append('\n');
        text.append("  RPK identity: ").append(rawPublicKeyName()).append('\n');
        if (!chain.isEmpty()) {
            X509Certificate leaf = chain.get(0);
            text.append(generated ? "generated self-signed " : "").append("X.509 certificate:\n");
            text.append("  subject: ").append(leaf.getSubjectX500Principal().getName()).append('\n');
            text.append("  valid until: ").append(leaf.getNotAfter().toInstant()).append('\n');
            text.append("  SHA-256: ").append(certificateSha256()).append('\n');
            text.append(certificatePem());
        }
        return text.toString();
    }
}
