package io.github.coapsink.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Accepts the names of an enum's constants, case-insensitively. */
final class EnumValidator implements ConfigDef.Validator {

    private final Class<? extends Enum<?>> type;

    private EnumValidator(Class<? extends Enum<?>> type) {
        this.type = type;
    }

    static EnumValidator of(Class<? extends Enum<?>> type) {
        return new EnumValidator(type);
    }

    static <E extends Enum<E>> E parse(Class<E> type, String value) {
        return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            throw new ConfigException(name, null, "must be one of " + this);
        }
        String text = value.toString().trim().toUpperCase(Locale.ROOT);
        boolean known = Arrays.stream(type.getEnumConstants()).anyMatch(c -> c.name().equals(text));
        if (!known) {
            throw new ConfigException(name, value, "must be one of " + this + " (case does not matter)");
        }
    }

    @Override
    public String toString() {
        return Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ", "[", "]"));
    }
}
