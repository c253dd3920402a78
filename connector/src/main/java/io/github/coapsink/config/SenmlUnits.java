package io.github.coapsink.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Parses {@code connect.coap.senml.units}: {@code name=unit} pairs, e.g. {@code temp=Cel,position/lat=lat}. */
final class SenmlUnits implements ConfigDef.Validator {

    static Map<String, String> parse(String key, List<String> entries) {
        Map<String, String> units = new LinkedHashMap<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq).trim();
            String unit = eq < 0 ? "" : entry.substring(eq + 1).trim();
            if (name.isEmpty() || unit.isEmpty()) {
                throw new ConfigException(key, String.join(",", entries), "the entry '" + entry + "' is not "
                        + "name=unit; write the SenML name (the field path, nested fields joined with '/') and its "
                        + "unit, e.g. temperature=Cel,position/lat=lat");
            }
            if (units.put(name, unit) != null) {
                throw new ConfigException(key, String.join(",", entries), "the SenML name '" + name
                        + "' has two units; list it once");
            }
        }
        return Map.copyOf(units);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void ensureValid(String name, Object value) {
        if (value != null) {
            parse(name, (List<String>) value);
        }
    }

    @Override
    public String toString() {
        return "name=unit, ... (e.g. temperature=Cel,humidity=%RH)";
    }
}
