package io.github.coapsink.address;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where one record goes, relative to the connector URI's path: the Uri-Path and Uri-Query option
 * values of the request, as raw (unescaped) text.
 *
 * <p>Records are equal when their options are equal, so an address is a lane key as it is;
 * {@link #text()} is for logs and messages.
 *
 * @param path one element per Uri-Path option, never empty, ".", or ".."
 * @param query one element per Uri-Query option, {@code name=value} or a bare {@code name}
 */
public record Address(List<String> path, List<String> query) {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public Address {
        path = List.copyOf(path);
        query = List.copyOf(query);
    }

    /**
     * The address as one line, e.g. {@code devices/a%2Fb/state?src=t}: segments joined by '/',
     * query options after '?' joined by '&'. Inside a segment, a query name or a query value the
     * characters / ? &amp; = % # , spaces and non-printable characters are percent-encoded (UTF-8), so the
     * text is unambiguous; other characters, non-ASCII letters included, are shown as they are.
     */
    public String text() {
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < path.size(); i++) {
            if (i > 0) {
                sb.append('/');
            }
            escape(path.get(i), 0, sb);
        }
        for (int i = 0; i < query.size(); i++) {
            sb.append(i == 0 ? '?' : '&');
            String option = query.get(i);
            int eq = option.indexOf('=');
            if (eq < 0) {
                escape(option, 0, sb);
            } else {
                escape(option.substring(0, eq), 0, sb);
                sb.append('=');
                escape(option, eq + 1, sb);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text();
    }

    private static void escape(String s, int from, StringBuilder sb) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x20 && c < 0x7f) {
                if (c == '/' || c == '?' || c == '&' || c == '=' || c == '%' || c == '#') {
                    percent(c, sb);
                } else {
                    sb.append(c);
                }
                continue;
            }
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (c < 0x80 || !isPrintable(cp)) {
                for (byte b : s.substring(i, i + n).getBytes(StandardCharsets.UTF_8)) {
                    percent(b & 0xff, sb);
                }
            } else {
                sb.append(s, i, i + n);
            }
            i += n - 1;
        }
    }

    private static boolean isPrintable(int cp) {
        int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.SPACE_SEPARATOR
                && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.UNASSIGNED && type != Character.PRIVATE_USE && type != Character.SURROGATE;
    }

    private static void percent(int b, StringBuilder sb) {
        sb.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }
}
