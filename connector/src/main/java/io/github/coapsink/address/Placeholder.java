package io.github.coapsink.address;

import java.util.List;

/**
 * One {@code {{...}}} of a template, parsed.
 *
 * @param kind what it reads
 * @param path the field names for {@link Kind#KEY_FIELD} and {@link Kind#VALUE_FIELD}, outermost first; else empty
 * @param header the header name for {@link Kind#HEADER}; else null
 * @param written the placeholder as written, braces included, for messages
 */
record Placeholder(Kind kind, List<String> path, String header, String written) implements Part {

    enum Kind { KEY, KEY_FIELD, VALUE_FIELD, HEADER, TOPIC, PARTITION, OFFSET, TIMESTAMP }

    /** The first {@code n} field names joined with '.', for "field 'site.id' is missing". */
    String fieldPrefix(int n) {
        return n == 1 ? path.get(0) : String.join(".", path.subList(0, n));
    }
}
