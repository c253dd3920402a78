package io.github.coapsink.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.ConnectRestClient.ConnectorStatus;
import io.github.coapsink.embedded.ConnectRestClient.PluginInfo;
import io.github.coapsink.embedded.ConnectWorkerProcess;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built plugin archive in a Kafka 3.9 Connect worker: a separate JVM whose class path is Kafka 3.9's jars only
 * (compat/kafka-3.9/target/lib), standalone mode, against this build's Kafka 4.4 KRaft broker. The task must run and
 * deliver every record exactly once, in order per partition, and commit up to the end of the topic.
 */
class Connect39WorkerIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int RECORDS = 200;
    private static final int KEYS = 8;
    private static final Pattern RECEIPT = Pattern.compile("\\{\"id\":(\\d+),\"key\":\"(k\\d+)\"}");

    @TempDir
    Path pluginPath;

    @Test
    void theBuiltArchiveDeliversEveryRecordOnceAndInOrderInAKafka39Worker() {
        String version = PluginArchives.version();
        PluginArchives.unpackInto(pluginPath);
        String classPath = kafka39ClassPath();
        String topic = "readings";
        String name = "coap-sink-39";

        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
             EmbeddedKafka kafka = EmbeddedKafka.start();
             ConnectWorkerProcess worker = ConnectWorkerProcess.start(ConnectWorkerProcess.STANDALONE, kafka,
                     Map.of("plugin.path", pluginPath.toString(), "plugin.discovery", "service_load"),
                     List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlog4j.configuration="
                             + Connect39WorkerIT.class.getResource("/connect-log4j.properties")),
                     classPath)) {
            try {
                assertThat(worker.version()).isEqualTo(PluginArchives.required("kafka39.version"));
                assertThat(worker.connectorPlugins(true))
                        .contains(new PluginInfo(PluginArchives.CONNECTOR_CLASS, "sink", version));

                kafka.createTopic(topic, 2);
                Map<String, String> config = new LinkedHashMap<>();
                config.put("connector.class", "CoapSinkConnector");
                config.put("tasks.max", "1");
                config.put("topics", topic);
                config.put("connect.coap.uri", server.plainUri());
                config.put("connect.coap.host", "127.0.0.1");
                config.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
                // answers back to Kafka: the plugin's producer and the worker's JsonConverter (connect-json is not in
                // the archive: it comes from the 3.9 worker's class path through the plugin class loader)
                config.put("connect.coap.response.topic", topic + "_answers");
                config.put("connect.coap.response.producer.bootstrap.servers", kafka.bootstrapServers());
                // the connector's validate() (cross-field checks, KCQL positions) on the 3.9 worker's REST API
                assertThat(worker.validate("CoapSinkConnector", config).errors()).isEmpty();
                Map<String, String> bad = new LinkedHashMap<>(config);
                bad.put("connect.coap.kcql", "INSERT INTO readings SELECT * FRM " + topic);
                assertThat(worker.validate("CoapSinkConnector", bad).errorsFor("connect.coap.kcql")).isNotEmpty();

                worker.createOrUpdateConnector(name, config);
                // a task that fails to start (e.g. NoSuchMethodError on an API newer than 3.9) ends the wait at once
                ConnectorStatus started = worker.awaitStatus(name, "task 0 RUNNING or FAILED", WAIT,
                        s -> s.runningWithTasks(1) || s.task(0).filter(t -> "FAILED".equals(t.state())).isPresent());
                assertThat(started.runningWithTasks(1)).as("status %s", started).isTrue();

                for (int id = 0; id < RECORDS; id++) {
                    String key = "k" + (id % KEYS);
                    kafka.send(topic, key, "{\"id\":" + id + ",\"key\":\"" + key + "\"}");
                }
                await().atMost(WAIT).until(() -> server.requests("readings").size() >= RECORDS);
                Map<TopicPartition, Long> end = kafka.endOffsets(topic);
                await().atMost(WAIT).untilAsserted(() -> assertThat(
                        kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))).isEqualTo(end));

                List<ReceivedRequest> received = server.requests("readings");
                Map<String, List<Integer>> idsByKey = new TreeMap<>();
                List<Integer> ids = new ArrayList<>();
                for (ReceivedRequest r : received) {
                    Matcher m = RECEIPT.matcher(r.payloadText());
                    assertThat(m.matches()).as("payload %s", r.payloadText()).isTrue();
                    ids.add(Integer.parseInt(m.group(1)));
                    idsByKey.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Integer.parseInt(m.group(1)));
                }
                assertThat(ids).as("every record exactly once").hasSize(RECORDS).doesNotHaveDuplicates();
                assertThat(ids).containsExactlyInAnyOrderElementsOf(
                        Stream.iterate(0, i -> i + 1).limit(RECORDS).toList());
                // one key -> one partition: the order within a partition is the order of the key's ids
                idsByKey.forEach((key, keyIds) -> assertThat(keyIds).as("ids of %s", key).isSorted());
                assertThat(server.allRequests("readings")).as("no request answered other than 2.xx")
                        .hasSize(RECORDS);

                List<String> answers = kafka.consume(topic + "_answers", RECORDS, WAIT).stream()
                        .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
                assertThat(answers).allSatisfy(a -> assertThat(a).startsWith("{\"outcome\":\"DELIVERED\"")
                        .contains("\"code\":\"2.04\""));

                ConnectorStatus status = worker.connectorStatus(name);
                assertThat(status.runningWithTasks(1)).as("status %s", status).isTrue();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n--- Kafka 3.9 worker log (tail) ---\n"
                        + tail(worker.logFile()), e);
            }
        }
    }

    /** Kafka 3.9's worker jars, and nothing from this build's class path (no 4.4 jar). */
    private static String kafka39ClassPath() {
        Path lib = Paths.get(PluginArchives.required("kafka39.lib"));
        String kafka39 = PluginArchives.required("kafka39.version");
        try (Stream<Path> jars = Files.list(lib)) {
            List<String> names = jars.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).contains("connect-runtime-" + kafka39 + ".jar", "kafka-clients-" + kafka39 + ".jar");
            assertThat(names).filteredOn(n -> n.matches("(connect|kafka)-.*\\.jar"))
                    .allMatch(n -> n.endsWith("-" + kafka39 + ".jar"));
            return names.stream().map(n -> lib.resolve(n).toString())
                    .collect(Collectors.joining(System.getProperty("path.separator")));
        } catch (IOException e) {
            throw new UncheckedIOException("no Kafka 3.9 class path in " + lib + " (built by compat/kafka-3.9)", e);
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 12000 ? s.substring(s.length() - 12000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
