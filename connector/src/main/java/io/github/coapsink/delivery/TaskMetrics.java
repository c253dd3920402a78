package io.github.coapsink.delivery;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The task's counters and gauges as a JMX MBean, registered while the task runs. */
public final class TaskMetrics implements TaskMetricsMBean, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskMetrics.class);

    /** Which instance registered each name: only that one may unregister it. */
    private static final Map<ObjectName, TaskMetrics> OWNERS = new HashMap<>();

    private final DeliveryStats stats;
    private final DeliveryPipeline pipeline;
    private final int window;
    private final ObjectName name;

    private TaskMetrics(DeliveryStats stats, DeliveryPipeline pipeline, int window, ObjectName name) {
        this.stats = stats;
        this.pipeline = pipeline;
        this.window = window;
        this.name = name;
    }

    /** Registers the MBean; a name clash or a JMX failure is logged and leaves the task running without it. */
    public static TaskMetrics register(String connector, String task, DeliveryStats stats, DeliveryPipeline pipeline,
            int window) {
        ObjectName name = null;
        try {
            name = new ObjectName("io.github.coapsink:type=CoapSinkTask,connector=" + ObjectName.quote(connector)
                    + ",task=" + ObjectName.quote(task));
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
