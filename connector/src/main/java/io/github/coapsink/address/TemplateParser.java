package io.github.coapsink.address;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a resource template into {@link Piece}s, once, at configuration time. Every problem is a
 * {@link TemplateException} at the char index where it is, with the fix.
 */
final class TemplateParser {

    static final String PLACEHOLDERS = "{{key}}, {{key.<field>}}, {{value.<field>}}, {{header.<name>}}, "
            + "{{topic}}, {{partition}}, {{offset}}, {{timestamp}}";
    static final int MAX_OPTION_BYTES = 255;

    private static final String BRACES_FIX = "braces are only for placeholders, written {{name}} with two braces "
            + "on each side; a resource cannot contain a literal '{' or '}'";

    private final String text;

    private TemplateParser(String text) {
        this.text = text;
    }

    record Parsed(List<Piece> path, List<Piece> query) {
    }

    static Parsed parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new TemplateException("the resource is empty", 0, "",
                    "write a resource path such as devices/{{key}}/state");
        }
        return new TemplateParser(text).parse();
    }

    private Parsed parse() {
        rejectControlCharacters();
        int queryStart = queryStart();
        int pathEnd = queryStart < 0 ? text.length() : queryStart;
        List<Piece> path = new ArrayList<>();
        int start = 0;
        while (true) {
            int slash = text.indexOf('/', start);
            int end = slash < 0 || slash > pathEnd ? pathEnd : slash;
            path.add(pathSegment(start, end));
            if (end == pathEnd) {
                break;
            }
            start = end + 1;
        }
        List<Piece> query = new ArrayList<>();
        if (queryStart >= 0) {
            if (queryStart == text.length() - 1) {
                throw error("empty query after '?'", queryStart, "add name=value pairs after the '?' or remove it");
            }
            start = queryStart + 1;
            while (true) {
                int amp = text.indexOf('&', start);
                int end = amp < 0 ? text.length() : amp;
                query.add(queryOption(start, end));
                if (end == text.length()) {
                    break;
                }
                start = end + 1;
            }
        }
        return new Parsed(List.copyOf(path), List.copyOf(query));
    }

    private void rejectControlCharacters() {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw error(String.format(Locale.ROOT, "the control character U+%04X", (int) c), i,
                        "remove it; a resource cannot contain control characters");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw error(String.format(Locale.ROOT, "the lone surrogate U+%04X", (int) c), i,
                        "remove it; it has no UTF-8 form");
            }
        }
    }

    /** The first '?' outside a closed placeholder, or -1; a '?' inside one is reported by the placeholder. */
    private int queryStart() {
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("{{", i)) {
                int close = text.indexOf("}}", i + 2);
                if (close >= 0) {
                    i = close + 2;
                    continue;
                }
            }
            if (text.charAt(i) == '?') {
                return i;
            }
            i++;
        }
        return -1;
    }

    private Piece pathSegment(int start, int end) {
        List<Part> parts = parts(start, end, false);
        String written = text.substring(start, end);
        if (parts.isEmpty()) {
            throw error("empty path segment", start,
                    "remove the extra '/' (a resource cannot contain '//', start with '//' or end with '/')");
        }
        String literal = literalOf(parts);
        if (literal != null) {
            if (literal.equals(".") || literal.equals("..")) {
                throw error("path segment '" + literal + "' is not allowed", start,
                        "name the resource by its full path without '.' or '..' segments");
            }
        }
        checkLiteralBytes(parts, start, "path segment '" + written + "'");
        return new Piece(written, parts.toArray(Part[]::new), literal, true);
    }

    private Piece queryOption(int start, int end) {
        if (start == end) {
            throw error("empty query parameter", start,
                    "remove the extra '&' (parameters are name=value pairs separated by one '&')");
        }
        int eq = text.indexOf('=', start);
        int nameEnd = eq < 0 || eq > end ? end : eq;
        if (nameEnd == start) {
            throw error("empty query name", start, "write the parameter as name=value, e.g. src={{topic}}");
        }
        for (int i = start; i < nameEnd; i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}') {
                if (text.startsWith("{{", i)) {
                    throw error("a placeholder in the query name '" + text.substring(start, nameEnd) + "'", i,
                            "placeholders may fill query values only: name={{key}}");
                }
                throw error("a lone '" + c + "' in the query name", i, BRACES_FIX);
            }
            if (c == '?') {
                throw error("a second '?'", i, "separate query parameters with '&': a=1&b=2");
            }
        }
        List<Part> parts = new ArrayList<>();
        parts.add(new Part.Literal(text.substring(start, nameEnd == end ? end : nameEnd + 1)));
        if (nameEnd < end) {
            parts.addAll(parts(nameEnd + 1, end, true));
        }
        List<Part> merged = merge(parts);
        String written = text.substring(start, end);
        checkLiteralBytes(merged, start, "query parameter '" + written + "'");
        return new Piece(written, merged.toArray(Part[]::new), literalOf(merged), false);
    }

    /** Literal text and placeholders of {@code text[start, end)}, adjacent literals merged. */
    private List<Part> parts(int start, int end, boolean inQuery) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = start;
        while (i < end) {
            char c = text.charAt(i);
            if (c == '{' && text.startsWith("{{", i)) {
                if (!literal.isEmpty()) {
                    parts.add(new Part.Literal(literal.toString()));
                    literal.setLength(0);
                }
                int close = text.indexOf("}}", i + 2);
                parts.add(placeholder(i, close));
                i = close + 2;
                continue;
            }
            if (c == '{') {
                throw error("a lone '{'", i, BRACES_FIX);
            }
            if (c == '}') {
                if (text.startsWith("}}", i)) {
                    throw error("'}}' closes no placeholder", i, "add the opening '{{' (e.g. {{key}}) or remove the '}}'");
                }
                throw error("a lone '}'", i, BRACES_FIX);
            }
            if (inQuery && c == '?') {
                throw error("a second '?'", i, "separate query parameters with '&': a=1&b=2");
            }
            literal.append(c);
            i++;
        }
        if (!literal.isEmpty()) {
            parts.add(new Part.Literal(literal.toString()));
        }
        return parts;
    }

    /** The placeholder whose "{{" is at {@code open} and whose first "}}" after it is at {@code close} (or -1). */
    private Placeholder placeholder(int open, int close) {
        int contentEnd = close < 0 ? text.length() : close;
        int nested = text.indexOf("{{", open + 2);
        if (close < 0 || (nested >= 0 && nested < close)) {
            throw error("'{{' is never closed", open, "close the placeholder with '}}', e.g. {{key}}");
        }
        String content = text.substring(open + 2, contentEnd);
        String written = text.substring(open, close + 2);
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            int at = open + 2 + i;
            switch (c) {
                case '/' -> throw error("the placeholder '" + written + "' contains '/'", at,
                        "a placeholder fills exactly one path segment and cannot span a '/'; "
                                + "write one placeholder per segment: {{value.a}}/{{value.b}}");
                case '?' -> throw error("the placeholder '" + written + "' contains '?'", at,
                        "a placeholder fills one path segment or one query value; put the '?' outside "
                                + "the braces: {{key}}?a=1");
                case '&' -> throw error("the placeholder '" + written + "' contains '&'", at,
                        "a placeholder fills one query value; put the '&' outside the braces: a={{key}}&b=1");
                case '{', '}' -> throw error("the placeholder '" + written + "' contains a '" + c + "'", at, BRACES_FIX);
                default -> { }
            }
        }
        if (content.isEmpty()) {
            throw error("empty placeholder '{{}}'", open, "write one of " + PLACEHOLDERS);
        }
        if (!content.equals(content.strip())) {
            throw error("spaces inside the placeholder '" + written + "'", open,
                    "remove them: {{" + content.strip() + "}}");
        }
        return switch (content) {
            case "key" -> simple(Placeholder.Kind.KEY, written);
            case "topic" -> simple(Placeholder.Kind.TOPIC, written);
            case "partition" -> simple(Placeholder.Kind.PARTITION, written);
            case "offset" -> simple(Placeholder.Kind.OFFSET, written);
            case "timestamp" -> simple(Placeholder.Kind.TIMESTAMP, written);
            case "value" -> throw error("'{{value}}' names no field", open,
                    "name a field of the value: {{value.<field>}}, e.g. {{value.id}} or {{value.site.id}}");
            case "header" -> throw error("'{{header}}' names no header", open,
                    "name the header: {{header.<name>}}, e.g. {{header.device-id}}");
            default -> prefixed(content, open, written);
        };
    }

    private static Placeholder simple(Placeholder.Kind kind, String written) {
        return new Placeholder(kind, List.of(), null, written);
    }

    private Placeholder prefixed(String content, int open, String written) {
        if (content.startsWith("key.")) {
            return new Placeholder(Placeholder.Kind.KEY_FIELD, fieldPath(content, 4, open, written), null, written);
        }
        if (content.startsWith("value.")) {
            return new Placeholder(Placeholder.Kind.VALUE_FIELD, fieldPath(content, 6, open, written), null, written);
        }
        if (content.startsWith("header.")) {
            String name = content.substring(7);
            if (name.isEmpty()) {
                throw error("'" + written + "' names no header", open,
                        "name the header: {{header.<name>}}, e.g. {{header.device-id}}");
            }
            return new Placeholder(Placeholder.Kind.HEADER, List.of(), name, written);
        }
        String hint = "";
        for (String known : List.of("key", "topic", "partition", "offset", "timestamp", "value.", "key.", "header.")) {
            String lower = content.toLowerCase(Locale.ROOT);
            if (known.endsWith(".") ? lower.startsWith(known) : lower.equals(known)) {
                hint = "placeholder names are case-sensitive: did you mean {{" + known
                        + (known.endsWith(".") ? content.substring(known.length()) : "") + "}}? ";
                break;
            }
        }
        throw error("unknown placeholder '" + written + "'", open, hint + "the placeholders are " + PLACEHOLDERS);
    }

    private List<String> fieldPath(String content, int from, int open, String written) {
        List<String> names = new ArrayList<>();
        int start = from;
        while (true) {
            int dot = content.indexOf('.', start);
            int end = dot < 0 ? content.length() : dot;
            if (end == start) {
                throw error("empty field name in '" + written + "'", open + 2 + start,
                        "separate nested field names with one '.': {{value.site.id}}");
            }
            names.add(content.substring(start, end));
            if (dot < 0) {
                return List.copyOf(names);
            }
            start = dot + 1;
        }
    }

    private void checkLiteralBytes(List<Part> parts, int start, String what) {
        int bytes = 0;
        for (Part part : parts) {
            if (part instanceof Part.Literal l) {
                bytes += Utf8.length(l.text());
            }
        }
        if (bytes > MAX_OPTION_BYTES) {
            throw error(what + " has " + bytes + " bytes of UTF-8 text", start,
                    "shorten it; a CoAP option holds at most " + MAX_OPTION_BYTES + " bytes");
        }
    }

    private static List<Part> merge(List<Part> parts) {
        List<Part> merged = new ArrayList<>();
        for (Part part : parts) {
            int last = merged.size() - 1;
            if (part instanceof Part.Literal l && last >= 0 && merged.get(last) instanceof Part.Literal prev) {
                merged.set(last, new Part.Literal(prev.text() + l.text()));
            } else {
                merged.add(part);
            }
        }
        return merged;
    }

    private static String literalOf(List<Part> parts) {
        return parts.size() == 1 && parts.get(0) instanceof Part.Literal l ? l.text() : null;
    }

    private TemplateException error(String problem, int index, String fix) {
        return new TemplateException(problem, index, text, fix);
    }
}
