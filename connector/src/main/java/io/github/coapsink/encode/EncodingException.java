package io.github.coapsink.encode;

import org.apache.kafka.connect.errors.DataException;

/**
 * A record value that cannot be turned into a CoAP payload. It is permanent: retrying the same
 * record gives the same result, so the error policy or the dead-letter queue takes the record.
 */
public final class EncodingException extends DataException {

    public EncodingException(String message) {
        super(message);
    }

    public EncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
