package io.github.coapsink.delivery;

import io.github.coapsink.send.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.eclipse.californium.core.coap.MediaTypeRegistry;

/**
 * Reads CoAP options from a record's Kafka headers named {@code coap.<option>} (opt-in,
 * {@code connect.coap.options.from.headers=true}). A value the option cannot hold makes the record a bad record,
 * with a message naming the header and what it accepts; so does an unknown {@code coap.*} header, so that a typo is
 * not silently ignored. For each header name the last header counts.
 */
final class HeaderOptions {

    static final String PREFIX = "coap.";
    static final List<String> NAMES = List.of("coap.content-format", "coap.accept", "coap.if-match",
            "coap.if-none-match", "coap.etag", "coap.max-age", "coap.uri-query");
    private static final long MAX_AGE_LIMIT = 0xFFFF_FFFFL;

    /** The options, or why the headers cannot be turned into options. */
    sealed interface Result permits Ok, Bad {
    }

    record Ok(RequestOptions options) implements Result {
    }

    record Bad(String reason) implements Result {
    }

    private HeaderOptions() {
    }

    static Result read(Headers headers) {
        if (headers == null || headers.isEmpty()) {
            return new Ok(RequestOptions.NONE);
        }
        Map<String, Object> last = new LinkedHashMap<>();
        for (Header h : headers) {
            String key = h.key().toLowerCase(Locale.ROOT);
            if (key.startsWith(PREFIX)) {
                if (!NAMES.contains(key)) {
                    return new Bad("header '" + h.key() + "' is not a CoAP option the sink sets; use one of " + NAMES
                            + " or turn off connect.coap.options.from.headers");
                }
                last.put(key, h.value());
            }
        }
        if (last.isEmpty()) {
            return new Ok(RequestOptions.NONE);
        }
        try {
            Integer contentFormat = null;
            Integer accept = null;
            List<byte[]> ifMatch = List.of();
            boolean ifNoneMatch = false;
            List<byte[]> etags = List.of();
            Long maxAge = null;
            List<String> uriQuery = List.of();
            for (Map.Entry<String, Object> e : last.entrySet()) {
                String name = e.getKey();
                String text = text(name, e.getValue());
                switch (name) {
                    case "coap.content-format" -> contentFormat = mediaType(name, text);
                    case "coap.accept" -> accept = mediaType(name, text);
                    case "coap.if-match" -> ifMatch = opaqueList(name, text, true);
                    case "coap.if-none-match" -> ifNoneMatch = bool(name, text);
                    case "coap.etag" -> etags = opaqueList(name, text, false);
                    case "coap.max-age" -> maxAge = number(name, text, 0, MAX_AGE_LIMIT, "seconds");
                    case "coap.uri-query" -> uriQuery = queries(name, text);
                    default -> throw new IllegalStateException(name);
                }
            }
            return new Ok(new RequestOptions(contentFormat, accept, ifMatch, ifNoneMatch, etags, maxAge, uriQuery));
        } catch (IllegalArgumentException e) {
            return new Bad(e.getMessage());
        }
    }

    private static String text(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("header '" + name + "' has no value");
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8).trim();
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString().trim();
        }
        throw new IllegalArgumentException("header '" + name + "' holds a " + value.getClass().getSimpleName()
                + "; it needs text");
    }

    private static int mediaType(String name, String text) {
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            return (int) number(name, text, 0, 65_535, "a Content-Format number");
        }
        int known = MediaTypeRegistry.parse(text);
        if (known == MediaTypeRegistry.UNDEFINED) {
            throw new IllegalArgumentException("header '" + name + "' = '" + text + "' is neither a Content-Format "
                    + "number (0 to 65535) nor a media type CoAP registers (e.g. application/json, application/cbor)");
        }
        return known;
    }

    private static long number(String name, String text, long min, long max, String what) {
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is accepted
        }
        throw new IllegalArgumentException("header '" + name + "' = '" + text + "' is not " + what + " from " + min
                + " to " + max);
    }

    private static boolean bool(String name, String text) {
        if (text.equalsIgnoreCase("true") || text.isEmpty()) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("header '" + name + "' = '" + text + "' is not true or false");
    }

    /** Comma-separated hex values of 0 to 8 bytes each (an empty If-Match value means "the resource exists"). */
    private static List<byte[]> opaqueList(String name, String text, boolean emptyAllowed) {
        List<byte[]> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String hex = part.trim();
            if (hex.startsWith("0x") || hex.startsWith("0X")) {
                hex = hex.substring(2);
            }
            if (hex.isEmpty() && !emptyAllowed) {
                throw new IllegalArgumentException("header '" + name + "' = '" + text + "' has an empty ETag; write "
                        + "each ETag as 1 to 8 bytes in hex, comma-separated (e.g. 0a1b2c3d)");
            }
            byte[] bytes;
            try {
                bytes = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("header '" + name + "' = '" + text + "' is not hex; write each "
                        + "ETag as 1 to 8 bytes in hex, comma-separated (e.g. 0a1b2c3d)");
            }
            if (bytes.length > 8) {
                throw new IllegalArgumentException("header '" + name + "' = '" + text + "' has an ETag of "
                        + bytes.length + " bytes; CoAP allows at most 8");
            }
            out.add(bytes);
        }
        return out;
    }

    private static List<String> queries(String name, String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.startsWith("=") || part.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new IllegalArgumentException("header '" + name + "' has the query '" + part + "'; each "
                        + "name=value needs a name and at most 255 bytes");
            }
            out.add(part);
        }
        return out;
    }
}
