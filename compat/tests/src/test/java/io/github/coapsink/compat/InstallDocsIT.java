package io.github.coapsink.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.ConnectDistributedCluster;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/install.md's distributed-mode REST calls, run as written (bash, curl, jq) against a distributed Kafka 4.4
 * worker with the built plugin archive on its plugin.path: the calls work and do what the comments say. Only the
 * worker URL and the CoAP URI are the test's; {@code curl -s} becomes {@code curl -sS --fail-with-body --max-time 30}
 * so an HTTP error fails the test instead of printing a JSON error, and no call can hang it.
 */
class InstallDocsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NAME = "coap-sink";
    private static final String TOPIC = "coap_topic";

    @TempDir
    Path dir;

    @Test
    void theDistributedModeCurlCallsWorkAsDocumented() throws IOException, InterruptedException {
        String doc = Files.readString(Paths.get(PluginArchives.required("coapsink.docs")).resolve("install.md"));
        Map<String, Object> connectorJson = connectorJson(doc);
        List<String> commands = restCommands(doc);
        Path pluginPath = Files.createDirectories(dir.resolve("plugins"));
        PluginArchives.unpackInto(pluginPath);

        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
             EmbeddedKafka kafka = EmbeddedKafka.start();
             ConnectDistributedCluster connect = ConnectDistributedCluster.start(kafka, 1,
                     Map.of("plugin.path", pluginPath.toString(), "plugin.discovery", "service_load"))) {
            kafka.createTopic(TOPIC, 1);
            Map<String, Object> config = new LinkedHashMap<>(connectorJson);
            config.put("connect.coap.uri", server.plainUri());
            config.put("connect.coap.host", "127.0.0.1");
            new ObjectMapper().writeValue(dir.resolve("coap-sink.json").toFile(), config);
            String url = connect.restUrl().replaceAll("/$", "");

            Set<String> seen = new LinkedHashSet<>();
            for (String command : commands) {
                assertThat(command).as("every documented call is a curl -s").startsWith("curl -s ");
                String out = bash("CONNECT=" + url + "\n"
                        + command.replace("curl -s ", "curl -sS --fail-with-body --max-time 30 "));
                if (command.contains("/connector-plugins |")) {
                    seen.add("plugins");
                    assertThat(out).contains("\"class\": \"" + PluginArchives.CONNECTOR_CLASS + "\"")
                            .contains("\"version\": \"" + PluginArchives.version() + "\"");
                } else if (command.contains("/config/validate")) {
                    seen.add("validate");
                    assertThat(out.lines().findFirst()).as("error_count of%n%s", out).contains("0");
                } else if (command.contains("/connectors/coap-sink/config")) {
                    seen.add("create");
                    connect.awaitConnectorRunning(NAME, 1, WAIT);
                    kafka.send(TOPIC, (String) null, "{\"id\":1}");
                    await().atMost(WAIT).until(() -> server.requests("unsecure").size() == 1);
                } else if (command.contains("/status")) {
                    seen.add("status");
                    assertThat(out).contains("\"state\": \"RUNNING\"");
                } else if (command.contains("/pause")) {
                    seen.add("pause");
                    connect.awaitConnectorState(NAME, "PAUSED", WAIT);
                } else if (command.contains("/resume")) {
                    seen.add("resume");
                    connect.awaitConnectorRunning(NAME, 1, WAIT);
                    kafka.send(TOPIC, (String) null, "{\"id\":2}");
                    await().atMost(WAIT).until(() -> server.requests("unsecure").size() == 2);
                } else if (command.contains("/tasks/0/restart")) {
                    seen.add("restart task");
                    connect.awaitConnectorRunning(NAME, 1, WAIT);
                } else if (command.contains("/restart?")) {
                    seen.add("restart connector");
                    connect.awaitConnectorRunning(NAME, 1, WAIT);
                } else if (command.contains("/offsets")) {
                    seen.add("offsets");
                    assertThat(out).contains("\"kafka_topic\": \"" + TOPIC + "\"").contains("\"kafka_offset\": 2");
                } else if (command.contains("-X DELETE")) {
                    seen.add("delete");
                    connect.awaitConnectorGone(NAME, WAIT);
                } else {
                    throw new AssertionError("a command this test does not know; add what it must do: " + command);
                }
            }
            assertThat(seen).containsExactly("plugins", "validate", "create", "status", "pause", "resume",
                    "restart task", "restart connector", "offsets", "delete");
            assertThat(server.requests("unsecure")).hasSize(2);
        }
    }

    /** The {@code coap-sink.json} block of section 2a. */
    private static Map<String, Object> connectorJson(String doc) throws IOException {
        String section = doc.substring(doc.indexOf("## 2a. Distributed mode"));
        String json = block(section, "```json\n");
        @SuppressWarnings("unchecked")
        Map<String, Object> config = new ObjectMapper().readValue(json, Map.class);
        assertThat(config).containsEntry("connector.class", PluginArchives.CONNECTOR_CLASS)
                .containsEntry("topics", TOPIC);
        return config;
    }

    /** The shell block that starts with CONNECT=...: one entry per command, continuation lines joined. */
    private static List<String> restCommands(String doc) {
        String section = doc.substring(doc.indexOf("## 2a. Distributed mode"));
        String shell = block(section.substring(section.indexOf("```\nCONNECT=")), "```\n");
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : shell.lines().toList()) {
            if (current.isEmpty() && (line.isBlank() || line.startsWith("#") || line.startsWith("CONNECT="))) {
                continue;
            }
            current.append(line).append('\n');
            if (!line.endsWith("\\")) {
                commands.add(current.toString());
                current.setLength(0);
            }
        }
        assertThat(current).as("a command ends in a continuation").isEmpty();
        return commands;
    }

    private static String block(String text, String fence) {
        int start = text.indexOf(fence) + fence.length();
        return text.substring(start, text.indexOf("```", start));
    }

    private String bash(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(dir.toFile())
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code of%n%s%noutput:%n%s", script, out).isZero();
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
