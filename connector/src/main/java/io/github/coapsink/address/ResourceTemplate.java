package io.github.coapsink.address;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The KCQL resource, parsed once: literal path segments and query options with {@code {{...}}}
 * placeholders filled from each record. {@code docs/kcql.md} has the grammar and the rules.
 *
 * <p>A placeholder fills exactly what it stands in: its text becomes part of one Uri-Path option or
 * one Uri-Query value and never splits a path, adds a query or climbs a level. A record whose
 * address cannot be made is {@link Resolution.Unresolvable}, never an exception.
 *
 * <p>Immutable and thread-safe. Equal when the template texts are equal.
 */
public final class ResourceTemplate {

    private final String text;
    private final Piece[] path;
    private final Piece[] query;
    /** The first {@code {{value.*}}}, or null when the address does not need the value. */
    private final Placeholder firstValuePlaceholder;
    /** The one resolution of a template without placeholders; null otherwise. */
    private final Resolution.Resolved literal;
    /** The fields read from a key or value holding JSON text; null when there are no such placeholders. */
    private final JsonFields keyJsonFields;
    private final JsonFields valueJsonFields;

    private ResourceTemplate(String text, List<Piece> path, List<Piece> query) {
        this.text = text;
        this.path = path.toArray(Piece[]::new);
        this.query = query.toArray(Piece[]::new);
        List<Placeholder> placeholders = Stream.concat(path.stream(), query.stream())
                .flatMap(piece -> Arrays.stream(piece.parts()))
                .filter(Placeholder.class::isInstance).map(Placeholder.class::cast).toList();
        this.firstValuePlaceholder = placeholders.stream()
                .filter(p -> p.kind() == Placeholder.Kind.VALUE_FIELD).findFirst().orElse(null);
        this.keyJsonFields = JsonFields.of(placeholders.stream()
                .filter(p -> p.kind() == Placeholder.Kind.KEY_FIELD).toList());
        this.valueJsonFields = JsonFields.of(placeholders.stream()
                .filter(p -> p.kind() == Placeholder.Kind.VALUE_FIELD).toList());
        boolean anyPlaceholder = path.stream().anyMatch(p -> p.literal() == null)
                || query.stream().anyMatch(p -> p.literal() == null);
        this.literal = anyPlaceholder ? null : new Resolution.Resolved(new Address(
                path.stream().map(Piece::literal).toList(), query.stream().map(Piece::literal).toList()));
    }

    /**
     * Parses a resource as written in KCQL, without quotes and without a leading '/'.
     *
     * @throws TemplateException naming the 0-based index of the problem and the fix
     */
    public static ResourceTemplate parse(String text) {
        TemplateParser.Parsed parsed = TemplateParser.parse(text);
        return new ResourceTemplate(text, parsed.path(), parsed.query());
    }

    /** The address of {@code record}, or why it has none. A literal template returns the same instance every time. */
    public Resolution resolve(SinkRecord record) {
        if (literal != null) {
            return literal;
        }
        if (firstValuePlaceholder != null && record.value() == null) {
            return new Resolution.Unresolvable("the record is a tombstone (null value) but the resource needs "
                    + firstValuePlaceholder.written());
        }
        RecordValues values = new RecordValues(record, keyJsonFields, valueJsonFields);
        StringBuilder sb = new StringBuilder(64);
        String[] segments = new String[path.length];
        for (int i = 0; i < path.length; i++) {
            Piece piece = path[i];
            if (piece.literal() != null) {
                segments[i] = piece.literal();
                continue;
            }
            String problem = fill(piece, values, sb);
            if (problem != null) {
                return new Resolution.Unresolvable(problem);
            }
            segments[i] = sb.toString();
        }
        String[] options = new String[query.length];
        for (int i = 0; i < query.length; i++) {
            Piece piece = query[i];
            if (piece.literal() != null) {
                options[i] = piece.literal();
                continue;
            }
            String problem = fill(piece, values, sb);
            if (problem != null) {
                return new Resolution.Unresolvable(problem);
            }
            options[i] = sb.toString();
        }
        return new Resolution.Resolved(new Address(List.of(segments), List.of(options)));
    }

    /** Builds one option value into {@code sb}; returns null, or why it cannot be built. */
    private static String fill(Piece piece, RecordValues values, StringBuilder sb) {
        sb.setLength(0);
        for (Part part : piece.parts()) {
            if (part instanceof Part.Literal l) {
                sb.append(l.text());
            } else {
                String problem = values.append((Placeholder) part, sb);
                if (problem != null) {
                    return problem;
                }
            }
        }
        String what = piece.pathSegment() ? "the path segment '" : "the query parameter '";
        if (piece.pathSegment()) {
            if (sb.isEmpty()) {
                return what + piece.written() + "' resolves to an empty string; a path segment cannot be empty";
            }
            if (isDots(sb)) {
                return what + piece.written() + "' resolves to '" + sb + "'; a path segment cannot be '.' or '..'";
            }
        }
        int bytes = Utf8.length(sb);
        if (bytes < 0) {
            return what + piece.written() + "' resolves to text with a lone surrogate, which has no UTF-8 form";
        }
        if (bytes > TemplateParser.MAX_OPTION_BYTES) {
            return what + piece.written() + "' resolves to " + bytes + " bytes of UTF-8; a CoAP option holds at most "
                    + TemplateParser.MAX_OPTION_BYTES;
        }
        return null;
    }

    private static boolean isDots(CharSequence s) {
        int n = s.length();
        return (n == 1 || n == 2) && s.charAt(0) == '.' && s.charAt(n - 1) == '.';
    }

    /** True when the address reads the record value ({@code {{value.*}}}): a tombstone then has no address. */
    public boolean needsValue() {
        return firstValuePlaceholder != null;
    }

    /** True when the template has no placeholder: every record goes to the same address. */
    public boolean isLiteral() {
        return literal != null;
    }

    /** The template as written. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResourceTemplate other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
