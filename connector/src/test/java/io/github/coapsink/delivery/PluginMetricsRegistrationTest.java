package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.ManualSender;
import io.github.coapsink.config.Ordering;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plugin metrics against Kafka's own PluginMetrics implementation, and the guard for workers without them. */
class PluginMetricsRegistrationTest {

    private final Metrics kafkaMetrics = new Metrics();
    private final PluginMetricsImpl plugin = new PluginMetricsImpl(kafkaMetrics,
            new LinkedHashMap<>(Map.of("connector", "c", "task", "0")));
    private final ManualSender sender = new ManualSender();
    private final DeliveryStats stats = new DeliveryStats();
    private final DeliveryPipeline pipeline = new DeliveryPipeline(sender, 10, Ordering.NONE, stats);

    @AfterEach
    void tearDown() throws IOException {
        plugin.close();
        kafkaMetrics.close();
    }

    private static SinkTaskContext context(Supplier<Object> pluginMetrics) {
        return (SinkTaskContext) Proxy.newProxyInstance(SinkTaskContext.class.getClassLoader(),
                new Class<?>[] {SinkTaskContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("pluginMetrics")) {
                        return pluginMetrics.get();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private Object value(String name, Map<String, String> extraTags) {
        Map<String, String> tags = new LinkedHashMap<>(Map.of("connector", "c", "task", "0"));
        tags.putAll(extraTags);
        return kafkaMetrics.metric(new MetricName(name, "plugins", "", tags)).metricValue();
    }

    private void deliver(String topic, long offset, SendResult result) throws InterruptedException {
        assertThat(pipeline.submit(new SinkRecord(topic, 0, null, null, null, "v", offset),
                new OutgoingRequest("r", OutgoingRequest.Method.PUT, new byte[0], true), 0)).isTrue();
        sender.open().get(0).result().complete(result);
    }

    @Test
    void countsPerResponseClassAndPerRouteWithTheWorkersTags() throws Exception {
        assertThat(PluginMetricsRegistration.register(context(() -> plugin), stats, pipeline, 10, List.of("a", "b")))
                .isTrue();
        deliver("a", 0, SendResult.delivered("2.04"));
        deliver("a", 1, SendResult.permanent("4.04", "4.04 NOT_FOUND"));
        deliver("b", 0, SendResult.transientFailure("5.03", "5.03"));
        deliver("b", 1, SendResult.timeout("timed out"));
        deliver("b", 2, SendResult.handshakeFailure("handshake"));
        deliver("b", 3, SendResult.transientFailure(null, "reset"));
        deliver("b", 4, SendResult.delivered(null));

        assertThat(value("records-delivered-total", Map.of())).isEqualTo(2.0);
        assertThat(value("requests-2xx-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-4xx-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-5xx-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-timeout-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-handshake-failure-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-other-failure-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-non-sent-total", Map.of())).isEqualTo(1.0);
        assertThat(value("requests-2xx-total", Map.of("topic", "a"))).isEqualTo(1.0);
        assertThat(value("requests-2xx-total", Map.of("topic", "b"))).isEqualTo(0.0);
        assertThat(value("requests-4xx-total", Map.of("topic", "a"))).isEqualTo(1.0);
        assertThat(value("requests-timeout-total", Map.of("topic", "b"))).isEqualTo(1.0);
        assertThat(value("records-delivered-total", Map.of("topic", "b"))).isEqualTo(1.0);
        assertThat(value("records-pending", Map.of())).isEqualTo(5.0); // every failure waits for a decision
        assertThat(value("window-size", Map.of())).isEqualTo(10.0);
        assertThat(value("congestion-window", Map.of())).as("a fixed window").isEqualTo(10.0);
        assertThat(value("congestion-window-decreases-total", Map.of())).isEqualTo(0.0);
        assertThat(value("requests-waiting", Map.of())).isEqualTo(0.0);
        assertThat(value("coap-retransmissions-total", Map.of())).isEqualTo(0.0);
    }

    @Test
    void aWorkerWithoutPluginMetricsLeavesTheTaskRunning() {
        for (Error missing : List.of(new NoSuchMethodError("pluginMetrics"), new AbstractMethodError("pluginMetrics"),
                new NoClassDefFoundError("org/apache/kafka/common/metrics/PluginMetrics"))) {
            assertThat(PluginMetricsRegistration.register(context(() -> {
                throw missing;
            }), stats, pipeline, 10, List.of("a"))).isFalse();
        }
        assertThat(PluginMetricsRegistration.register(context(() -> {
            throw new UnsupportedOperationException();
        }), stats, pipeline, 10, List.of("a"))).isFalse();
        assertThat(PluginMetricsRegistration.register(context(() -> null), stats, pipeline, 10, List.of("a"))).isFalse();
        assertThat(PluginMetricsRegistration.register(null, stats, pipeline, 10, List.of("a"))).isFalse();
    }

    @Test
    void theOldMBeanStaysBesideThePluginMetrics() throws Exception {
        try (TaskMetrics metrics = TaskMetrics.register("c", "t-old", stats, pipeline, 10, context(() -> plugin),
                List.of("a"))) {
            assertThat(metrics.inPluginMetrics()).isTrue();
            assertThat(metrics.objectName()).isNotNull();
            deliver("a", 0, SendResult.permanent("4.04", "4.04 NOT_FOUND"));
            assertThat(metrics.getRequests4xx()).isEqualTo(1);
        }
    }

    @Test
    void readmeNamesEveryMetric() throws Exception {
        PluginMetricsRegistration.registerAll(plugin, stats, pipeline, 10, List.of("a"));
        Set<String> names = new TreeSet<>();
        kafkaMetrics.metrics().keySet().stream().filter(n -> n.group().equals("plugins")).map(MetricName::name)
                .forEach(names::add);
        assertThat(names).hasSizeGreaterThan(15);
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        for (String name : names) {
            assertThat(readme).as("README.md documents metric %s", name).contains("`" + name + "`");
        }
    }
}
