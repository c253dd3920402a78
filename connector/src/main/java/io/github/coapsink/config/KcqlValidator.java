package io.github.coapsink.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Parses the KCQL at validation time so a bad statement is reported against connect.coap.kcql. */
final class KcqlValidator implements ConfigDef.Validator {

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null || value.toString().isBlank()) {
            throw new ConfigException(name, value,
                    "is required, e.g. INSERT INTO sensors SELECT * FROM sensor_topic");
        }
        CoapSinkConfig.parseRoutes(value.toString());
    }

    @Override
    public String toString() {
        return "INSERT INTO <resource> SELECT <fields> FROM <topic> [IGNORE <fields>] [STOREAS <format>] [; ...]";
    }
}
