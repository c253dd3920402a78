package io.github.coapsink.config;

import java.net.URI;
import java.net.URISyntaxException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Accepts {@code coap://host[:port][/base/path]} and {@code coaps://...}. */
final class CoapUriValidator implements ConfigDef.Validator {

    /** The value with any user info (which may hold a secret) masked, for messages. */
    static String masked(String value) {
        if (value == null) {
            return null;
        }
        int scheme = value.indexOf("://");
        int at = value.indexOf('@', scheme < 0 ? 0 : scheme + 3);
        int slash = value.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (at < 0 || (slash >= 0 && slash < at)) {
            return value;
        }
        return (scheme < 0 ? "" : value.substring(0, scheme + 3)) + "***" + value.substring(at);
    }

    static URI parse(String name, String rawValue) {
        String value = masked(rawValue);
        if (rawValue == null || rawValue.isBlank()) {
            throw new ConfigException(name, value, "is required: the CoAP server, e.g. coap://127.0.0.1:5683 or coaps://gateway.example:5684");
        }
        URI uri;
        try {
            uri = new URI(rawValue.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(name, value, "is not a valid URI (" + e.getReason() + " at index " + e.getIndex()
                    + "); write it as coap://host:port or coaps://host:port");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("coap") || scheme.equalsIgnoreCase("coaps"))) {
            throw new ConfigException(name, value, "must start with coap:// or coaps:// (found scheme '" + scheme + "')");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ConfigException(name, value, "has no host; write it as " + scheme.toLowerCase() + "://host:port");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigException(name, value, "must not have a query or fragment; resources come from connect.coap.kcql");
        }
        if (uri.getUserInfo() != null) {
            throw new ConfigException(name, value, "must not carry user info; use connect.coap.username and connect.coap.password for PSK");
        }
        return uri;
    }

    @Override
    public void ensureValid(String name, Object value) {
        parse(name, value == null ? null : value.toString());
    }

    @Override
    public String toString() {
        return "coap://host[:port][/base/path] or coaps://host[:port][/base/path]";
    }
}
