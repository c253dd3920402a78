package io.github.coapsink.delivery;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task's counters and gauges as a JMX MBean, registered while the task runs; on workers with Connect's
 * plugin metrics (Kafka 4.1+) also there, see {@link PluginMetricsRegistration}. The MBean stays on those
 * workers too: dashboards and alerts built on its name keep working after a worker upgrade.
 */
public final class TaskMetrics implements TaskMetricsMBean, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskMetrics.class);

    /** Which instance registered each name: only that one may unregister it. */
    private static final Map<ObjectName, TaskMetrics> OWNERS = new HashMap<>();

    private final DeliveryStats stats;
    private final DeliveryPipeline pipeline;
    private final int window;
    private final ObjectName name;

    private boolean inPluginMetrics;

    private TaskMetrics(DeliveryStats stats, DeliveryPipeline pipeline, int window, ObjectName name) {
        this.stats = stats;
        this.pipeline = pipeline;
        this.window = window;
        this.name = name;
    }

    /**
     * Registers the MBean, and the plugin metrics with {@code context} when the worker has them, with per-route
     * metrics for {@code topics}; a name clash or a JMX failure is logged and leaves the task running without it.
     */
    public static TaskMetrics register(String connector, String task, DeliveryStats stats, DeliveryPipeline pipeline,
            int window, SinkTaskContext context, Collection<String> topics) {
        TaskMetrics metrics = register(connector, task, stats, pipeline, window);
        try {
            metrics.inPluginMetrics = PluginMetricsRegistration.register(context, stats, pipeline, window, topics);
        } catch (LinkageError e) {
            log.info("This Connect worker has no plugin metrics (KIP-877): {}", e.toString());
        }
        return metrics;
    }

    /** The name of a task's MBean: {@code io.github.coapsink:type=CoapSinkTask,connector="<name>",task="<id>"}. */
    public static ObjectName objectName(String connector, String task) throws MalformedObjectNameException {
        return new ObjectName("io.github.coapsink:type=CoapSinkTask,connector=" + ObjectName.quote(connector)
                + ",task=" + ObjectName.quote(task));
    }

    /** Registers the MBean only. */
    static TaskMetrics register(String connector, String task, DeliveryStats stats, DeliveryPipeline pipeline,
            int window) {
        ObjectName name = null;
        try {
            name = objectName(connector, task);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            TaskMetrics metrics = new TaskMetrics(stats, pipeline, window, name);
            synchronized (OWNERS) {
                // A task of the same name may still be stopping (a zombie after a rebalance): the new one takes over.
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name);
                }
                server.registerMBean(metrics, name);
                OWNERS.put(name, metrics);
            }
            return metrics;
        } catch (JMException e) {
            log.warn("Cannot register the task's JMX metrics as {}: {}", name, e.toString());
            return new TaskMetrics(stats, pipeline, window, null);
        }
    }

    public ObjectName objectName() {
        return name;
    }

    /** Whether the metrics are also in Connect's plugin metrics. */
    public boolean inPluginMetrics() {
        return inPluginMetrics;
    }

    @Override
    public long getRequests2xx() {
        return stats.responses(ResponseClass.SUCCESS);
    }

    @Override
    public long getRequests4xx() {
        return stats.responses(ResponseClass.CLIENT_ERROR);
    }

    @Override
    public long getRequests5xx() {
        return stats.responses(ResponseClass.SERVER_ERROR);
    }

    @Override
    public long getRequestsTimedOut() {
        return stats.responses(ResponseClass.TIMEOUT);
    }

    @Override
    public long getRequestsHandshakeFailed() {
        return stats.responses(ResponseClass.HANDSHAKE_FAILURE);
    }

    @Override
    public long getRequestsOtherFailure() {
        return stats.responses(ResponseClass.OTHER_FAILURE);
    }

    @Override
    public long getRequestsNonSent() {
        return stats.responses(ResponseClass.NON_SENT);
    }

    @Override
    public long getResponseRecordsWritten() {
        return stats.responsesWritten();
    }

    @Override
    public long getResponseRecordWriteFailures() {
        return stats.responseWriteFailures();
    }

    @Override
    public long getRecordsDelivered() {
        return stats.total(DeliveryStats.Event.DELIVERED);
    }

    @Override
    public long getRecordsSkipped() {
        return stats.total(DeliveryStats.Event.SKIPPED);
    }

    @Override
    public long getRecordsRetried() {
        return stats.total(DeliveryStats.Event.RETRIED);
    }

    @Override
    public long getRecordsFailed() {
        return stats.total(DeliveryStats.Event.FAILED);
    }

    @Override
    public long getRecordsReported() {
        return stats.total(DeliveryStats.Event.REPORTED);
    }

    @Override
    public int getRecordsPending() {
        return pipeline.pending();
    }

    @Override
    public int getRequestsInFlight() {
        return pipeline.inFlight();
    }

    @Override
    public int getMaxRequestsInFlight() {
        return pipeline.maxInFlightSeen();
    }

    @Override
    public int getWindow() {
        return window;
    }

    @Override
    public int getCongestionWindow() {
        return pipeline.congestionWindow();
    }

    @Override
    public long getCongestionWindowDecreases() {
        return pipeline.congestionWindowDecreases();
    }

    @Override
    public int getRequestsWaiting() {
        return pipeline.waiting();
    }

    @Override
    public long getCoapRetransmissions() {
        return stats.retransmissions();
    }

    @Override
    public long getCoapEarlyRetransmissions() {
        return stats.earlyRetransmissions();
    }

    @Override
    public long getRequestLatencyP50Micros() {
        return stats.requestLatency().percentile(50);
    }

    @Override
    public long getRequestLatencyP99Micros() {
        return stats.requestLatency().percentile(99);
    }

    @Override
    public long getRequestLatencyMaxMicros() {
        return stats.requestLatency().percentile(100);
    }

    @Override
    public void close() {
        if (name == null) {
            return;
        }
        synchronized (OWNERS) {
            if (OWNERS.get(name) != this) {
                return; // a newer task of the same name registered it; it is not ours to remove
            }
            OWNERS.remove(name);
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException e) {
                log.debug("MBean {} was already gone: {}", name, e.toString());
            }
        }
    }
}
