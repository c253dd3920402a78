package io.github.coapsink.kcql;

import java.util.List;

/** A field reference such as {@code address.city}: one or more names, outermost first. */
public record FieldPath(List<String> segments) {

    public FieldPath {
        if (segments == null || segments.isEmpty()) {
            throw new IllegalArgumentException("a field path needs at least one segment");
        }
        segments = List.copyOf(segments);
    }

    public static FieldPath of(String... segments) {
        return new FieldPath(List.of(segments));
    }

    public boolean isNested() {
        return segments.size() > 1;
    }

    public String head() {
        return segments.get(0);
    }

    public String last() {
        return segments.get(segments.size() - 1);
    }

    @Override
    public String toString() {
        return String.join(".", segments);
    }
}
