package io.github.coapsink.encode;

import java.util.ArrayDeque;

/**
 * A value inside the record that cannot be written as JSON. It is thrown where the problem is
 * found and collects the field path (outermost first) while it unwinds, so the message names the
 * field, e.g. {@code user.salaries[2]}. {@link RecordEncoder} turns it into an
 * {@link EncodingException}; it never leaves this package.
 */
final class ValueError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ArrayDeque<String> path = new ArrayDeque<>();

    ValueError(String message) {
        super(message, null, false, false);
    }

    /** The value was read from the field (or map key) {@code name} of its parent. */
    ValueError atField(String name) {
        path.addFirst("." + Texts.preview(name, Texts.PREVIEW_CHARS));
        return this;
    }

    /** The value was element {@code index} of its parent array. */
    ValueError atIndex(int index) {
        path.addFirst("[" + index + "]");
        return this;
    }

    String path() {
        StringBuilder sb = new StringBuilder();
        for (String segment : path) {
            sb.append(segment);
        }
        return sb.length() > 0 && sb.charAt(0) == '.' ? sb.substring(1) : sb.toString();
    }

    /** The complete message: which field, then what is wrong with it. */
    String describe() {
        String where = path();
        return where.isEmpty()
                ? "cannot encode the record value: " + getMessage()
                : "cannot encode field '" + where + "': " + getMessage();
    }
}
