package io.github.coapsink.response;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which outcomes get a record on the response topic ({@code connect.coap.response.codes}): exact codes such as
 * {@code 2.05}, classes such as {@code 4.xx}, and {@code SENT} for NON requests, which have no answer. Empty lets
 * everything through.
 */
public final class CodeFilter {

    /** The entry that matches NON requests (sent, no answer). */
    public static final String SENT = "SENT";

    private static final Pattern EXACT = Pattern.compile("[245]\\.[0-3][0-9]");
    private static final Pattern CLASS = Pattern.compile("[245]\\.xx");

    private final List<String> exact = new ArrayList<>();
    private final List<Character> classes = new ArrayList<>();
    private final boolean sent;
    private final boolean all;

    private CodeFilter(List<String> entries) {
        boolean s = false;
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equalsIgnoreCase(SENT)) {
                s = true;
            } else if (EXACT.matcher(entry).matches()) {
                exact.add(entry);
            } else if (CLASS.matcher(entry.toLowerCase(Locale.ROOT)).matches()) {
                classes.add(entry.charAt(0));
            } else {
                throw new IllegalArgumentException("'" + entry + "' is neither a response code (2.05), a class of "
                        + "codes (2.xx, 4.xx, 5.xx) nor " + SENT + " (NON requests)");
            }
        }
        this.sent = s;
        this.all = exact.isEmpty() && classes.isEmpty() && !s;
    }

    /** Parses the key's entries; throws IllegalArgumentException naming a bad entry. */
    public static CodeFilter parse(List<String> entries) {
        return new CodeFilter(entries);
    }

    /** Whether a response with {@code code} (e.g. {@code 2.04}), or a NON request sent ({@code null}), passes. */
    public boolean accepts(String code) {
        if (all) {
            return true;
        }
        if (code == null) {
            return sent;
        }
        return exact.contains(code) || (!code.isEmpty() && classes.contains(code.charAt(0)));
    }
}
