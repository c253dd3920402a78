package io.github.coapsink.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./quickstart.sh standalone} with the example properties files, only ports and paths substituted. */
class StandaloneIT {
    @TempDir
    Path tmp;

    @Test
    void theExampleFilesRunTheSinkInKafkasStandaloneMode() throws Exception {
        Path config = QuickstartProcess.HOME.resolve("quickstart/config");
        int connectPort = Ports.freeTcp();
        try (CoapTestServer server = CoapTestServer.builder().port(0).start();
             EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Path worker = tmp.resolve("worker.properties");
            Files.writeString(worker, Files.readString(config.resolve("worker.properties"))
                    .replace("bootstrap.servers=127.0.0.1:9092", "bootstrap.servers=" + kafka.bootstrapServers())
                    .replace("listeners=http://127.0.0.1:8083", "listeners=http://127.0.0.1:" + connectPort)
                    .replace("/tmp/coap-sink-standalone.offsets", tmp.resolve("connect.offsets").toString()));
            Path connector = tmp.resolve("coap-sink.properties");
            Files.writeString(connector, Files.readString(config.resolve("coap-sink.properties"))
                    .replace("coap://localhost:5683", "coap://localhost:" + server.plainPort()));
            assertThat(Files.readString(worker)).doesNotContain("9092", "8083", "/tmp/coap-sink");
            assertThat(Files.readString(connector)).doesNotContain(":5683");

            Path processTmp = Files.createDirectory(tmp.resolve("process-tmp"));
            try (QuickstartProcess qs = QuickstartProcess.start(processTmp, Map.of(),
                    "standalone", worker.toString(), connector.toString())) {
                for (String record : SampleUsers.RECORDS) {
                    kafka.send("coap_topic", (String) null, record);
                }
                await().atMost(Duration.ofMinutes(2)).until(() -> server.requests("unsecure").size() == 4);
                assertThat(server.requests("unsecure")).extracting(ReceivedRequest::payloadText)
                        .first().isEqualTo("{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830}");
                assertThat(qs.output()).contains("quickstart: plugin kafka-connect-coap-"
                        + System.getProperty("coapsink.version") + "-plugin.zip unpacked into");

                qs.terminate();
                assertThat(qs.awaitExit(Duration.ofMinutes(1))).isEqualTo(143);
                assertThat(qs.handle().descendants().filter(ProcessHandle::isAlive)).isEmpty();
            }
            try (var left = Files.list(processTmp)) {
                assertThat(left).as("the worker-file copy in TMPDIR is deleted on exit").isEmpty();
            }
            Ports.assertTcpFree(connectPort);
        }
    }
}
