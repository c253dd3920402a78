package io.github.coapsink.embedded;

/** A Connect REST call answered with a non-2xx status. */
public class ConnectRestException extends RuntimeException {
    private final int status;
    private final String body;

    public ConnectRestException(String request, int status, String body) {
        super(request + " -> HTTP " + status + ": " + body);
        this.status = status;
        this.body = body;
    }

    /** HTTP status code. */
    public int status() {
        return status;
    }

    /** Raw response body. */
    public String body() {
        return body;
    }
}
