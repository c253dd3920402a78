package io.github.coapsink.quickstart;

/** A failure the user can fix (busy port, bad option, missing archive): printed as one line, then exit. */
final class QuickstartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int USAGE = 2;
    static final int FAILED = 1;

    private final int exitCode;

    QuickstartException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    QuickstartException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
