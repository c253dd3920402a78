package io.github.coapsink.dtls;

import org.apache.kafka.common.config.ConfigException;

/** A DTLS configuration problem and the key the user should change; the message never contains a secret. */
public final class CredentialProblem extends ConfigException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String reason;

    CredentialProblem(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
        this.reason = reason;
    }

    public String key() {
        return key;
    }

    /** The message without the key, for the key's validate result. */
    public String reason() {
        return reason;
    }
}
