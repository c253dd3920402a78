package io.github.coapsink.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectRestClient.PluginInfo;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What ships is what is tested: the built plugin archive, unpacked into a worker's plugin.path (the connector's
 * classes are not on this JVM's class path), delivers records to a CoAP server.
 */
class PluginArchiveIT {
    private static final String CONNECTOR_CLASS = "io.github.coapsink.CoapSinkConnector";

    @TempDir
    Path pluginPath;

    @Test
    void theBuiltArchiveInAPluginPathDeliversRecords() {
        assertThatThrownBy(() -> Class.forName(CONNECTOR_CLASS)).isInstanceOf(ClassNotFoundException.class);

        String version = System.getProperty("coapsink.version");
        System.setProperty(PluginArchive.PROPERTY, System.getProperty("coapsink.plugin.archive"));
        PluginArchive archive = PluginArchive.locate(QuickstartProcess.HOME);
        assertThat(archive.version()).isEqualTo(version);
        Path plugin = archive.unpackInto(pluginPath);
        assertThat(plugin.getFileName().toString()).isEqualTo("kafka-connect-coap-" + version);
        assertThat(plugin.resolve("manifest.json")).isRegularFile();
        assertThat(plugin.resolve("lib/kafka-connect-coap-" + version + ".jar")).isRegularFile();

        try (CoapTestServer server = CoapTestServer.builder().port(0).start();
             EmbeddedKafka kafka = EmbeddedKafka.start();
             EmbeddedConnect connect = EmbeddedConnect.standalone(kafka,
                     Map.of("plugin.path", pluginPath.toString(), "plugin.discovery", "service_load"))) {
            List<PluginInfo> plugins = connect.connectorPlugins(true);
            assertThat(plugins).contains(new PluginInfo(CONNECTOR_CLASS, "sink", version));

            kafka.createTopic("users", 1);
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", "CoapSinkConnector");
            config.put("tasks.max", "1");
            config.put("topics", "users");
            config.put("connect.coap.uri", server.plainUri());
            config.put("connect.coap.kcql", "INSERT INTO people SELECT firstName AS name, age FROM users");
            connect.createOrUpdateConnector("coap-sink", config);
            connect.awaitConnectorRunning("coap-sink", 1, Duration.ofSeconds(60));

            for (String record : SampleUsers.RECORDS) {
                kafka.send("users", (String) null, record);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> server.requests("people").size() == 4);
            assertThat(server.requests("people")).extracting(ReceivedRequest::payloadText).containsExactly(
                    "{\"name\":\"John\",\"age\":30}", "{\"name\":\"Jane\",\"age\":28}",
                    "{\"name\":\"Ada\",\"age\":36}", "{\"name\":\"Alan\",\"age\":41}");
        } finally {
            System.clearProperty(PluginArchive.PROPERTY);
        }
        assertThat(Files.exists(pluginPath)).isTrue();
    }
}
