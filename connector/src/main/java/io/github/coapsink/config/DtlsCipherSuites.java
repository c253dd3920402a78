package io.github.coapsink.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;

/** The DTLS cipher suites a user may choose: the PSK and certificate suites Scandium can negotiate on this JVM. */
public final class DtlsCipherSuites {

    /**
     * CCM_8 first: they are the suites RFC 7252 (9.1.3) makes mandatory for CoAP, so every CoAP server has
     * them; then AES-GCM, and ECDHE-PSK for forward secrecy with a PSK.
     */
    static final String DEFAULTS = String.join(",",
            CipherSuite.TLS_PSK_WITH_AES_128_CCM_8.name(),
            CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256.name(),
            CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256.name(),
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8.name(),
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.name(),
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.name());

    private DtlsCipherSuites() {
    }

    /** Every suite the key accepts. */
    public static List<CipherSuite> allowed() {
        return Arrays.stream(CipherSuite.values())
                .filter(CipherSuite::isValidForNegotiation)
                .filter(CipherSuite::isSupported)
                .filter(s -> s.isPskBased() || s.requiresServerCertificateMessage())
                .collect(Collectors.toList());
    }

    /** Parses names already accepted by the {@link Validator}. */
    public static List<CipherSuite> parse(List<String> names) {
        List<CipherSuite> suites = new ArrayList<>();
        for (String name : names) {
            CipherSuite suite = CipherSuite.valueOf(name.trim().toUpperCase(Locale.ROOT));
            if (!suites.contains(suite)) {
                suites.add(suite);
            }
        }
        return suites;
    }

    /** Rejects unknown names and an empty list; its {@code toString()} lists the allowed names. */
    static final class Validator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> names = value == null ? List.of() : (List<String>) value;
            List<String> blank = names.stream().map(String::trim).filter(String::isEmpty).collect(Collectors.toList());
            if (names.isEmpty() || blank.size() == names.size()) {
                throw new ConfigException(name, value, "must name at least one cipher suite of " + this);
            }
            List<String> allowed = allowed().stream().map(Enum::name).collect(Collectors.toList());
            List<String> unknown = names.stream().map(n -> n.trim().toUpperCase(Locale.ROOT))
                    .filter(n -> !n.isEmpty() && !allowed.contains(n)).collect(Collectors.toList());
            if (!unknown.isEmpty()) {
                throw new ConfigException(name, value, "unknown or unsupported cipher suites " + unknown
                        + "; allowed: " + this);
            }
        }

        @Override
        public String toString() {
            return allowed().stream().map(Enum::name).collect(Collectors.joining(", ", "[", "]"));
        }
    }
}
