package io.github.coapsink.encode;

/** Short, safe renderings of user data for error messages: never more than a few dozen chars. */
final class Texts {

    /** How many characters of a value an error message may show. */
    static final int PREVIEW_CHARS = 64;

    private Texts() {
    }

    /**
     * At most {@code max} characters of {@code text}, control characters escaped, with an ellipsis
     * and the full length when it was cut.
     */
    static String preview(CharSequence text, int max) {
        int n = text.length();
        int shown = Math.min(n, max);
        StringBuilder sb = new StringBuilder(shown + 24);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (shown < n) {
            sb.append("… (").append(n).append(" chars)");
        }
        return sb.toString();
    }

    /** At most {@code max} characters of {@code text} (control characters escaped), then "…" if cut. */
    static String cut(CharSequence text, int max) {
        String shown = preview(text.length() > max ? text.subSequence(0, max) : text, max);
        return text.length() > max ? shown + "…" : shown;
    }

    /** The fully qualified name of the value's class, or {@code "null"}. */
    static String typeOf(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }
}
