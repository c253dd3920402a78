package io.github.coapsink.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.github.coapsink.embedded.ConnectRestClient.ConnectorStatus;
import io.github.coapsink.embedded.ConnectRestClient.PluginInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedConnectTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedKafka kafka;
    private static EmbeddedConnect connect;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        connect = EmbeddedConnect.standalone(kafka, Map.of());
        System.out.println("[timing] EmbeddedKafka start-up: " + kafka.startupDuration().toMillis()
                + " ms, standalone worker start-up: " + connect.startupDuration().toMillis() + " ms");
    }

    @AfterAll
    static void stop() {
        try {
            if (connect != null) {
                connect.close();
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Test
    void restRootAndPlugins() {
        assertThat(connect.restUrl()).startsWith("http://127.0.0.1:");
        assertThat(connect.version()).isEqualTo("4.4.0");
        assertThat(connect.serverInfo()).containsKey("kafka_cluster_id");
        assertThat(connect.healthy()).isTrue();
        assertThat(connect.connectorPlugins(true)).extracting(PluginInfo::className)
                .contains(CollectingSinkConnector.class.getName());
        // FileStreamSinkConnector lives in connect-file, which is not a dependency
        assertThat(connect.connectorPlugins(true)).extracting(PluginInfo::className)
                .doesNotContain("org.apache.kafka.connect.file.FileStreamSinkConnector");
    }

    @Test
    void pluginPathSwitchesDiscoveryAndWorkerStillStarts(@TempDir Path pluginDir) {
        assertThat(WorkerSupport.baseProps("x", Map.of())).containsEntry("plugin.discovery", "service_load");
        assertThat(WorkerSupport.baseProps("x", Map.of("plugin.path", pluginDir.toString())))
                .containsEntry("plugin.discovery", "hybrid_warn");
        // hybrid_warn scans every classpath jar reflectively (10+ s here); plugins with ServiceLoader
        // manifests can keep the fast service_load discovery explicitly.
        try (EmbeddedConnect second = EmbeddedConnect.standalone(kafka, Map.of("plugin.path", pluginDir.toString(),
                "plugin.discovery", "service_load", "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"))) {
            assertThat(second.restUrl()).isNotEqualTo(connect.restUrl());
            assertThat(second.connectorPlugins(true)).extracting(PluginInfo::className)
                    .contains(CollectingSinkConnector.class.getName());
        }
    }

    @Test
    void validateReportsErrorsPerKey() {
        var result = connect.validate("CollectingSinkConnector", Map.of("topics", "x", "collect.mode", "bogus"));
        assertThat(result.errors()).as(result.toString()).containsOnlyKeys("collect.mode");
        assertThat(result.errorCount()).isEqualTo(1);
        assertThat(result.errorsFor("collect.mode")).singleElement().asString().contains("bogus");
        assertThat(result.errorsFor("topics")).isEmpty();
        assertThat(result.errors()).containsOnlyKeys("collect.mode");
    }

    @Test
    void sinkConnectorReceivesRecordsAndCommitsOffsets() {
        String name = "collect-ok";
        kafka.createTopic("in-ok", 2);
        connect.createOrUpdateConnector(name, Map.of("connector.class", "CollectingSinkConnector",
                "topics", "in-ok", "tasks.max", "2"));
        ConnectorStatus status = connect.awaitConnectorRunning(name, 2, WAIT);
        assertThat(status.workerId()).isEqualTo(connect.workerId());
        assertThat(connect.connectors()).contains(name);

        for (int i = 0; i < 10; i++) {
            kafka.send("in-ok", "k" + i, "v" + i);
        }
        Waits.untilTrue("10 records collected", WAIT, () -> CollectingSinkConnector.recordsOf(name).size() >= 10);
        assertThat(CollectingSinkConnector.recordsOf(name)).extracting(SinkRecord::value)
                .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");

        Map<TopicPartition, Long> end = kafka.endOffsets("in-ok");
        Waits.untilTrue("sink offsets committed", WAIT,
                () -> kafka.committedOffsets(ConnectRestClient.sinkGroupId(name)).equals(end));
        Waits.untilTrue("REST offsets match", WAIT, () -> connect.sinkConnectorOffsets(name).equals(end));

        connect.pauseConnector(name);
        connect.awaitConnectorState(name, "PAUSED", WAIT);
        connect.resumeConnector(name);
        connect.awaitConnectorRunning(name, 2, WAIT);
        connect.restartConnector(name, true);
        connect.awaitConnectorRunning(name, 2, WAIT);

        connect.deleteConnector(name);
        connect.awaitConnectorGone(name, WAIT);
        assertThatThrownBy(() -> connect.connectorStatus(name)).isInstanceOf(ConnectRestException.class)
                .satisfies(e -> assertThat(((ConnectRestException) e).status()).isEqualTo(404));
    }

    @Test
    void failingTaskIsReportedWithTrace() {
        String name = "collect-fail";
        kafka.createTopic("in-fail", 1);
        connect.createOrUpdateConnector(name, Map.of("connector.class", CollectingSinkConnector.class.getName(),
                "topics", "in-fail", "tasks.max", "1", "collect.fail", "true"));
        connect.awaitConnectorRunning(name, 1, WAIT);
        kafka.send("in-fail", "k", "boom");
        var task = connect.awaitTaskFailed(name, 0, WAIT);
        assertThat(task.trace()).contains("collect.fail is set");
        connect.deleteConnector(name);
    }

    /**
     * Regression: a signal handler's thread (Ctrl-C, SIGTERM in the quickstart) has no context class loader, and
     * Connect's stop of a running task failed there with a NullPointerException in Plugins.compareAndSwapLoaders.
     */
    @Test
    void closesCleanlyFromAThreadWithoutAContextClassLoader() throws Exception {
        EmbeddedConnect second = EmbeddedConnect.standalone(kafka, Map.of());
        kafka.createTopic("in-tccl", 1);
        second.createOrUpdateConnector("collect-tccl", Map.of("connector.class", "CollectingSinkConnector",
                "topics", "in-tccl", "tasks.max", "1"));
        second.awaitConnectorRunning("collect-tccl", 1, WAIT);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread stopper = new Thread(() -> {
            try {
                second.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "stop-without-context-class-loader");
        stopper.setContextClassLoader(null);
        stopper.start();
        stopper.join(WAIT.toMillis());
        assertThat(stopper.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
    }
}
