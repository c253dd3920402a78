package io.github.coapsink.config;

import org.apache.kafka.common.config.ConfigException;

/** A {@link ConfigException} that remembers which key is wrong, so {@code validate()} can show it there. */
public final class ConfigKeyException extends ConfigException {

    private final String key;

    public ConfigKeyException(String key, Object value, String message) {
        super(key, value, message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
