package io.github.coapsink.kcql;

/**
 * A KCQL statement that cannot be parsed. The message names the 1-based character position in the
 * whole {@code connect.coap.kcql} value, what was found there and what was expected.
 */
public final class KcqlException extends RuntimeException {

    private final int position;

    public KcqlException(String message, int position) {
        super(message);
        this.position = position;
    }

    /** 1-based character position in the KCQL text, or 0 when the error concerns the whole text. */
    public int position() {
        return position;
    }
}
