package io.github.coapsink.kcql;

import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * A cursor over the KCQL text for {@link KcqlParser}. The grammar is context sensitive ('.' and
 * '-' mean different things in a topic, a resource and a field path), so the parser asks for the
 * token it expects next instead of reading a pre-built token stream.
 *
 * <p>Indexes are {@code char} offsets into the text; {@link #position(int)} turns one into the
 * 1-based character (code point) position shown to users.
 */
final class KcqlScanner {

    private static final int FOUND_MAX = 30;
    private static final int EXCERPT_RADIUS = 16;

    private final String text;
    private int index;

    KcqlScanner(String text) {
        this.text = text;
    }

    String text() {
        return text;
    }

    int index() {
        return index;
    }

    boolean atEnd() {
        return index >= text.length();
    }

    /** The char at the cursor; only valid when not {@link #atEnd()}. */
    char peek() {
        return text.charAt(index);
    }

    void skipSpace() {
        while (index < text.length() && Character.isWhitespace(text.charAt(index))) {
            index++;
        }
    }

    /** Skips whitespace, then consumes {@code c} if it is next. */
    boolean tryChar(char c) {
        skipSpace();
        if (index < text.length() && text.charAt(index) == c) {
            index++;
            return true;
        }
        return false;
    }

    /** Consumes one char; only valid when not {@link #atEnd()}. */
    void advance() {
        index++;
    }

    /**
     * Skips whitespace and returns the word at the cursor ({@code [A-Za-z0-9_-]*}, possibly empty)
     * without consuming it.
     */
    String peekWord() {
        skipSpace();
        int end = index;
        while (end < text.length() && isWordChar(text.charAt(end))) {
            end++;
        }
        return text.substring(index, end);
    }

    /** Skips whitespace, then consumes the keyword if the next whole word is it (any case). */
    boolean tryKeyword(String keyword) {
        String word = peekWord();
        if (word.equalsIgnoreCase(keyword)) {
            index += word.length();
            return true;
        }
        return false;
    }

    /** Consumes and returns the (possibly empty) run of chars matching {@code accept}. */
    String readWhile(IntPredicate accept) {
        int start = index;
        while (index < text.length() && accept.test(text.charAt(index))) {
            index++;
        }
        return text.substring(start, index);
    }

    /**
     * Reads a quoted text whose opening quote is at the cursor and returns its content, the quotes
     * excluded. There is no escape: the content is everything up to the next same quote char.
     */
    String readQuoted(String what) {
        char quote = text.charAt(index);
        int open = index;
        int close = text.indexOf(quote, open + 1);
        if (close < 0) {
            throw new KcqlException("unterminated quote: the " + quote + " that opens " + what
                    + " at position " + position(open) + " is never closed (near \"" + excerpt(open)
                    + "\"). Add the closing " + quote + "; the quoted text itself cannot contain " + quote,
                    position(open));
        }
        index = close + 1;
        return text.substring(open + 1, close);
    }

    /** 1-based character position of a char index; counts code points, so emoji count as one. */
    int position(int charIndex) {
        int clamped = Math.min(Math.max(charIndex, 0), text.length());
        return text.codePointCount(0, clamped) + 1;
    }

    /** How the text at {@code charIndex} reads in an error message: {@code 'FROM'} or end of input. */
    String found(int charIndex) {
        if (charIndex >= text.length()) {
            return "end of input";
        }
        char c = text.charAt(charIndex);
        if (c == '`' || c == '"' || c == '\'') {
            int close = text.indexOf(c, charIndex + 1);
            int end = close < 0 ? text.length() : close + 1;
            return quoteForMessage(text.substring(charIndex, end));
        }
        if (isLooseWordChar(c)) {
            int end = charIndex;
            while (end < text.length() && isLooseWordChar(text.charAt(end))) {
                end++;
            }
            return quoteForMessage(text.substring(charIndex, end));
        }
        int cp = text.codePointAt(charIndex);
        if (Character.isISOControl(cp)) {
            return String.format(Locale.ROOT, "the control character U+%04X", cp);
        }
        return "'" + new String(Character.toChars(cp)) + "'";
    }

    /** What follows the cursor, after whitespace, as {@link #found(int)} describes it. */
    String found() {
        skipSpace();
        return found(index);
    }

    /** A one-line piece of the text around {@code charIndex}, for "near ..." in messages. */
    String excerpt(int charIndex) {
        int start = Math.max(0, charIndex - EXCERPT_RADIUS);
        int end = Math.min(text.length(), charIndex + EXCERPT_RADIUS);
        if (start > 0 && Character.isLowSurrogate(text.charAt(start))) {
            start--;
        }
        if (end < text.length() && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end++;
        }
        String piece = text.substring(start, end).replaceAll("\\s+", " ");
        return (start > 0 ? "..." : "") + piece + (end < text.length() ? "..." : "");
    }

    static boolean isWordChar(char c) {
        return isAsciiLetter(c) || isAsciiDigit(c) || c == '_' || c == '-';
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLooseWordChar(char c) {
        return isWordChar(c) || c == '.' || c == '/' || c == '~';
    }

    private static String quoteForMessage(String token) {
        if (token.length() > FOUND_MAX) {
            int cut = Character.isHighSurrogate(token.charAt(FOUND_MAX - 1)) ? FOUND_MAX - 1 : FOUND_MAX;
            token = token.substring(0, cut) + "...";
        }
        return "'" + token + "'";
    }
}
