package io.github.coapsink.dtls;

import io.github.coapsink.config.CoapSinkConfig;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.config.types.Password;

/** Opens the JKS or PKCS12 key and trust stores the DTLS keys name; every problem names the key to fix. */
final class KeyStores {

    private KeyStores() {
    }

    static List<X509Certificate> trustedCertificates(KeyStore store, String path, List<String> aliases) {
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
                throw new CredentialProblem(CoapSinkConfig.CERTS, "names " + missing + ", which are not certificates in the "
                        + "trust store " + path + "; it holds " + Collections.list(store.aliases()));
            }
        } catch (GeneralSecurityException e) {
            throw new CredentialProblem(CoapSinkConfig.TRUSTSTORE_PATH, path + " cannot be read: " + e.getClass().getSimpleName());
        }
        if (trusted.isEmpty()) {
            throw new CredentialProblem(CoapSinkConfig.TRUSTSTORE_PATH, path + " holds no certificate to trust");
        }
        return Collections.unmodifiableList(trusted);
    }

    static KeyStore openStore(String pathKey, String path, String passKey, Password password, String what) {
        File file = CredentialFiles.readable(pathKey, path);
        try {
            return KeyStore.getInstance(file, passwordChars(password));
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase().contains("password")) {
                throw new CredentialProblem(passKey, "does not open the " + what + " " + path + ": wrong password");
            }
            throw new CredentialProblem(pathKey, path + " cannot be read as a JKS or PKCS12 " + what + ": "
                    + e.getClass().getSimpleName());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CredentialProblem(pathKey, path + " is not a JKS or PKCS12 " + what + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    static List<String> keyAliases(KeyStore store) throws GeneralSecurityException {
        List<String> keys = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                keys.add(alias);
            }
        }
        return keys;
    }

    static char[] passwordChars(Password password) {
        return password == null ? new char[0] : password.value().toCharArray();
    }
}
