package io.github.coapsink.delivery;

import org.apache.kafka.connect.errors.ConnectException;

/** A record could not be delivered to the CoAP server; the message says which record and why. */
public final class CoapDeliveryException extends ConnectException {

    public CoapDeliveryException(String message) {
        super(message);
    }

    public CoapDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
