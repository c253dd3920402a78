package io.github.coapsink.delivery;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes, at most once per interval, what happened per topic since the last line and in total. */
public final class ProgressLog {

    private static final Logger log = LoggerFactory.getLogger(ProgressLog.class);

    private final DeliveryStats stats;
    private final long intervalNanos;
    private final String taskName;
    private long nextNanos;
    private Map<String, Long> lastDelivered = new HashMap<>();
    private long[] lastLatency;

    public ProgressLog(DeliveryStats stats, Duration interval, String taskName) {
        this.stats = stats;
        this.intervalNanos = interval.toNanos();
        this.taskName = taskName;
        this.nextNanos = System.nanoTime() + intervalNanos;
    }

    /** Logs if the interval has passed; cheap otherwise. */
    public void maybeLog(int pending, int inFlight) {
        long now = System.nanoTime();
        if (now - nextNanos < 0) {
            return;
        }
        nextNanos = now + intervalNanos;
        long[] latency = stats.requestLatency().snapshot();
        long[] interval = LatencyHistogram.minus(latency, lastLatency);
        lastLatency = latency;
        log.info("{}: {} records pending, {} requests in flight; request latency in the last interval p50 {} µs, "
                        + "p99 {} µs", taskName, pending, inFlight, LatencyHistogram.percentile(interval, 50),
                LatencyHistogram.percentile(interval, 99));
        Map<String, Long> delivered = new HashMap<>();
        stats.snapshot().forEach((topic, counts) -> {
            long total = counts.get(DeliveryStats.Event.DELIVERED);
            delivered.put(topic, total);
            long since = total - lastDelivered.getOrDefault(topic, 0L);
            log.info("{}: delivered {} records for {} in the last interval ({} in total; skipped {}, retried {}, "
                            + "reported {}, failed {})",
                    taskName, since, topic, total, counts.get(DeliveryStats.Event.SKIPPED),
                    counts.get(DeliveryStats.Event.RETRIED), counts.get(DeliveryStats.Event.REPORTED),
                    counts.get(DeliveryStats.Event.FAILED));
        });
        lastDelivered = delivered;
    }
}
