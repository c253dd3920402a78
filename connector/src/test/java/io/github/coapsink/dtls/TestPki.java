package io.github.coapsink.dtls;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Keys, certificates, PEM files and key stores made at test time, written only into a test's temp dir. */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    public static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key pair with its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
    }

    public static Issued ca(String cn) {
        KeyPair keys = ec();
        return new Issued(keys, sign(cn, keys, cn, keys.getPrivate(), true, List.of(), Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30))));
    }

    /** A server or client certificate for 127.0.0.1 and localhost, valid now. */
    public static Issued leaf(String cn, Issued ca, KeyPair keys) {
        return leaf(cn, ca, keys, List.of("ip:127.0.0.1", "dns:localhost"), Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30)));
    }

    public static Issued leaf(String cn, Issued ca, KeyPair keys, List<String> names, Instant notBefore, Instant notAfter) {
        return new Issued(keys, sign(cn, keys, ca.certificate().getSubjectX500Principal().getName(),
                ca.keys().getPrivate(), false, names, notBefore, notAfter));
    }

    private static X509Certificate sign(String cn, KeyPair subject, String issuerDn, PrivateKey issuerKey, boolean ca,
            List<String> names, Instant notBefore, Instant notAfter) {
        try {
            X500Name issuer = new X500Name(issuerDn.contains("=") ? issuerDn : "CN=" + issuerDn);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("CN=" + cn), subject.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            }
            if (!names.isEmpty()) {
                List<GeneralName> general = new ArrayList<>();
                for (String name : names) {
                    general.add(name.startsWith("ip:") ? new GeneralName(GeneralName.iPAddress, name.substring(3))
                            : new GeneralName(GeneralName.dNSName, name.substring(4)));
                }
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(general.toArray(new GeneralName[0])));
            }
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
        return file;
    }

    /** PKCS#8 'BEGIN PRIVATE KEY'. */
    public static Path writePrivateKey(Path file, PrivateKey key) throws IOException {
        return writePem(file, "PRIVATE KEY", key.getEncoded());
    }

    /** PKCS#1 'BEGIN RSA PRIVATE KEY' (or SEC1 'BEGIN EC PRIVATE KEY' for an EC key), as old openssl writes. */
    public static Path writeTraditionalPrivateKey(Path file, PrivateKey key) throws IOException {
        byte[] inner = PrivateKeyInfo.getInstance(key.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
        return writePem(file, key.getAlgorithm().equals("RSA") ? "RSA PRIVATE KEY" : "EC PRIVATE KEY", inner);
    }

    public static Path writePublicKey(Path file, KeyPair keys) throws IOException {
        return writePem(file, "PUBLIC KEY", keys.getPublic().getEncoded());
    }

    public static Path writeCertificates(Path file, X509Certificate... certificates) throws IOException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate c : certificates) {
            try {
                text.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }

    /** A key store of the given type ("JKS" or "PKCS12") with one key entry. */
    public static Path keyStore(Path file, String type, String password, String alias, PrivateKey key,
            X509Certificate... chain) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(type);
            store.load(null, null);
            store.setKeyEntry(alias, key, password.toCharArray(), (Certificate[]) chain);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A trust store with one certificate entry per alias/certificate pair. */
    public static Path trustStore(Path file, String type, String password, Object... aliasAndCertificate)
            throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(type);
            store.load(null, null);
            for (int i = 0; i < aliasAndCertificate.length; i += 2) {
                store.setCertificateEntry((String) aliasAndCertificate[i], (Certificate) aliasAndCertificate[i + 1]);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
