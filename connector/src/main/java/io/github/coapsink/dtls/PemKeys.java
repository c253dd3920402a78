package io.github.coapsink.dtls;

import io.github.coapsink.config.CoapSinkConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads unencrypted PKCS#8 private keys and X.509 SubjectPublicKeyInfo public keys from PEM files, with the
 * openssl command that converts the formats it does not read.
 */
final class PemKeys {

    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448"};

    private PemKeys() {
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
                    throw new CredentialProblem(key, path + " holds a PKCS#8 key of an algorithm this JVM cannot read; use "
                            + "an EC or RSA key");
                case "RSA PRIVATE KEY":
                    throw new CredentialProblem(key, path + " is a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY'); convert it to "
                            + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + path + " -out " + pkcs8Name(path));
                case "EC PRIVATE KEY":
                    throw new CredentialProblem(key, path + " is a SEC1 EC key ('BEGIN EC PRIVATE KEY'); convert it to "
                            + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + path + " -out " + pkcs8Name(path));
                case "ENCRYPTED PRIVATE KEY":
                    throw new CredentialProblem(key, path + " is an encrypted PKCS#8 key; the sink reads unencrypted keys "
                            + "(protect the file with permissions instead): openssl pkcs8 -topk8 -nocrypt -in "
                            + path + " -out " + pkcs8Name(path));
                default:
                    // e.g. EC PARAMETERS before the key: skip
            }
        }
        throw new CredentialProblem(key, path + " holds no PEM private key ('-----BEGIN PRIVATE KEY-----')");
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
                    throw new CredentialProblem(key, path + " holds a public key of an algorithm this JVM cannot read; use "
                            + "an EC or RSA key");
                case "RSA PUBLIC KEY":
                    throw new CredentialProblem(key, path + " is a PKCS#1 RSA public key ('BEGIN RSA PUBLIC KEY'); convert "
                            + "it with: openssl rsa -RSAPublicKey_in -in " + path + " -pubout -out "
                            + pkcs8Name(path));
                case "CERTIFICATE":
                    throw new CredentialProblem(key, path + " is a certificate; extract its public key with: openssl x509 "
                            + "-in " + path + " -pubkey -noout > public.pem");
                default:
                    // skip
            }
        }
        throw new CredentialProblem(key, path + " holds no PEM public key ('-----BEGIN PUBLIC KEY-----')");
    }

    private static List<String[]> pemBlocks(String key, String path) {
        String text;
        try {
            text = Files.readString(CredentialFiles.readable(key, path).toPath(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CredentialProblem(key, path + " cannot be read: " + e.getClass().getSimpleName());
        }
        List<String[]> blocks = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2)});
        }
        if (blocks.isEmpty()) {
            throw new CredentialProblem(key, path + " is not a PEM file (no '-----BEGIN ...-----' block)");
        }
        return blocks;
    }

    private static byte[] decode(String key, String path, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new CredentialProblem(key, path + " has a damaged PEM block (bad base64)");
        }
    }

    private static String pkcs8Name(String path) {
        return path.endsWith(".pem") ? path.substring(0, path.length() - 4) + "-pkcs8.pem" : path + "-pkcs8.pem";
    }

    static void checkKeyPair(PrivateKey privateKey, PublicKey publicKey, String privateFile,
            String publicFile) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            throw new CredentialProblem(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile + " holds a " + publicKey.getAlgorithm()
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
        throw new CredentialProblem(CoapSinkConfig.PUBLIC_KEY_FILE, publicFile + " is not the public key of the private key in "
                + privateFile);
    }
}
