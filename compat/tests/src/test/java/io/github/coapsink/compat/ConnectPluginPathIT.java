package io.github.coapsink.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.tools.ConnectPluginPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators check before they switch a worker to {@code plugin.discovery=service_load}: Kafka's own
 * {@code connect-plugin-path list} (kafka-tools, {@code bin/connect-plugin-path.sh}) over the built archive unpacked
 * into a plugin path. And the archive's Confluent-Hub manifest, complete and filtered from the build.
 */
class ConnectPluginPathIT {
    private static final List<String> COLUMNS = List.of("pluginName", "firstAlias", "secondAlias", "pluginVersion",
            "pluginType", "isLoadable", "hasManifest", "pluginLocation");

    @TempDir
    Path pluginPath;

    @Test
    void kafkasPluginPathToolFindsTheConnectorLoadableWithAManifest() {
        Path plugin = PluginArchives.unpackInto(pluginPath);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ConnectPluginPath.mainNoExit(new String[] {"list", "--plugin-path", pluginPath.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();

        List<String> lines = stdout.lines().toList();
        assertThat(Arrays.asList(lines.get(0).split("\t"))).isEqualTo(COLUMNS);
        List<List<String>> rows = lines.stream().skip(1).takeWhile(l -> !l.isBlank())
                .map(l -> Arrays.asList(l.split("\t"))).toList();
        assertThat(rows).as("plugin rows of%n%s", stdout).containsExactly(List.of(
                PluginArchives.CONNECTOR_CLASS, "CoapSinkConnector", "CoapSink", PluginArchives.version(), "sink",
                "true", "true", plugin.toString()));
        assertThat(stdout).containsPattern(summary("Total plugins", 1))
                .containsPattern(summary("Loadable plugins", 1))
                .containsPattern(summary("Compatible plugins", 1));
    }

    @Test
    void theArchiveCarriesACompleteHubManifestFilteredFromTheBuild() throws IOException {
        Path plugin = PluginArchives.unpackInto(pluginPath);
        JsonNode m = new ObjectMapper().readTree(plugin.resolve("manifest.json").toFile());

        assertThat(m.path("name").asText()).isEqualTo("kafka-connect-coap");
        assertThat(m.path("version").asText()).isEqualTo(PluginArchives.version());
        assertThat(m.path("title").asText()).isNotBlank();
        assertThat(m.path("description").asText()).contains("CoAP").hasSizeGreaterThan(100);
        assertThat(m.path("component_types")).extracting(JsonNode::asText).containsExactly("sink");
        assertThat(m.path("owner").path("username").asText()).isEqualTo("coapsink");
        assertThat(m.path("owner").path("type").asText()).isIn("user", "organization");
        assertThat(m.path("owner").path("name").asText()).isNotBlank();
        assertThat(m.path("support").path("provider_name").asText()).isNotBlank();
        assertThat(m.path("support").path("summary").asText()).isNotBlank();
        assertThat(m.path("support").path("url").asText()).startsWith("https://");
        assertThat(m.path("tags")).extracting(JsonNode::asText).contains("coap", "iot", "dtls");
        assertThat(m.path("requirements")).extracting(JsonNode::asText).containsExactly(
                "Apache Kafka Connect 3.9 or later (tested with " + PluginArchives.required("kafka39.version")
                        + " and 4.4.0)",
                "Java 17 or later on the Connect worker");
        JsonNode features = m.path("features");
        assertThat(features.path("supported_encodings")).extracting(JsonNode::asText).containsExactly("any");
        assertThat(features.path("single_message_transforms").isBoolean()).isTrue();
        assertThat(features.path("confluent_control_center_integration").isBoolean()).isTrue();
        assertThat(features.path("kafka_connect_api").asBoolean()).isTrue();
        assertThat(features.path("delivery_guarantee")).extracting(JsonNode::asText).containsExactly("at_least_once");
        assertThat(m.path("license")).hasSize(1);
        assertThat(m.path("license").get(0).path("name").asText()).isEqualTo("Apache License 2.0");
        assertThat(m.path("license").get(0).path("url").asText()).startsWith("https://");
        assertThat(m.path("documentation_url").asText()).startsWith("https://");
        assertThat(m.path("source_url").asText()).startsWith("https://");
        assertThat(m.path("docker_image").isObject()).as("docker_image: none published, an empty object").isTrue();
        assertThat(m.path("release_date").asText()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(m.toString()).as("every ${...} filtered by the build").doesNotContain("${");
    }

    private static Pattern summary(String label, int count) {
        return Pattern.compile("(?m)^" + label + ":\\s+" + count + "$");
    }
}
