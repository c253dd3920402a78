package io.github.coapsink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Keeps the README's configuration reference equal to what the ConfigDef generates. */
class ReadmeConfigReferenceTest {

    private static final String START = "<!-- config-reference:start -->\n";
    private static final String END = "<!-- config-reference:end -->";

    @Test
    void readmeReferenceMatchesTheConfigDef() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        assertThat(start).as("README.md has the config reference markers").isNotNegative();
        assertThat(end).isGreaterThan(start);
        String generated = ConfigDocs.markdown(CoapSinkConfig.configDef());
        if (Boolean.getBoolean("readme.update")) {
            String updated = text.substring(0, start + START.length()) + generated + text.substring(end);
            Files.writeString(readme, updated, StandardCharsets.UTF_8);
            return;
        }
        assertThat(text.substring(start + START.length(), end))
                .as("README.md's configuration reference is out of date: run ./scripts/gen-config-docs.sh")
                .isEqualTo(generated);
    }
}
