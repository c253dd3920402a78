package io.github.coapsink.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/** Renders a {@link ConfigDef} as Markdown, one table per group, in definition order. */
final class ConfigDocs {

    private ConfigDocs() {
    }

    static String markdown(ConfigDef def) {
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (String group : def.groups()) {
            byGroup.put(group, new ArrayList<>());
        }
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            byGroup.computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>()).add(key);
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<ConfigDef.ConfigKey>> group : byGroup.entrySet()) {
            out.append("#### ").append(group.getKey()).append("\n\n");
            out.append("| Key | Type | Default | Valid values | Importance | Description |\n");
            out.append("|---|---|---|---|---|---|\n");
            group.getValue().sort((a, b) -> Integer.compare(a.orderInGroup, b.orderInGroup));
            for (ConfigDef.ConfigKey key : group.getValue()) {
                out.append("| `").append(key.name).append("` | ")
                        .append(key.type.name().toLowerCase()).append(" | ")
                        .append(defaultText(key)).append(" | ")
                        .append(key.validator == null ? "" : cell(key.validator.toString())).append(" | ")
                        .append(key.importance.name().toLowerCase()).append(" | ")
                        .append(cell(key.documentation)).append(" |\n");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        Object value = key.defaultValue;
        if (value == null) {
            return "null";
        }
        if (value instanceof Password) {
            return "`[hidden]`";
        }
        if (value instanceof List<?> list) {
            return list.isEmpty() ? "\"\"" : "`" + String.join(",", list.stream().map(String::valueOf).toList()) + "`";
        }
        String text = String.valueOf(value);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ");
    }
}
