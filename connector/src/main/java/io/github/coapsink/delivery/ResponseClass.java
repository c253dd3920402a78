package io.github.coapsink.delivery;

import io.github.coapsink.send.SendResult;

/** How a request ended, as counted by the metrics: the class of the server's answer, or why there was none. */
public enum ResponseClass {
    SUCCESS("2xx"),
    CLIENT_ERROR("4xx"),
    SERVER_ERROR("5xx"),
    TIMEOUT("timeout"),
    HANDSHAKE_FAILURE("handshake-failure"),
    OTHER_FAILURE("other-failure"),
    /** A NON request: sent, no answer expected. */
    NON_SENT("non-sent");

    private final String label;

    ResponseClass(String label) {
        this.label = label;
    }

    /** The part of the metric name: {@code requests-<label>-total}. */
    public String label() {
        return label;
    }

    public static ResponseClass of(SendResult result) {
        return switch (result.kind()) {
            case RESPONSE -> ofCode(result.responseCode());
            case SENT -> NON_SENT;
            case TIMEOUT -> TIMEOUT;
            case HANDSHAKE_FAILURE -> HANDSHAKE_FAILURE;
            case OTHER_FAILURE -> OTHER_FAILURE;
        };
    }

    private static ResponseClass ofCode(String code) {
        if (code == null || code.isEmpty()) {
            return OTHER_FAILURE;
        }
        return switch (code.charAt(0)) {
            case '2' -> SUCCESS;
            case '4' -> CLIENT_ERROR;
            case '5' -> SERVER_ERROR;
            default -> OTHER_FAILURE;
        };
    }
}
