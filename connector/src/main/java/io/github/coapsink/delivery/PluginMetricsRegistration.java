package io.github.coapsink.delivery;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the task's metrics with Connect's plugin metrics (KIP-877, Kafka 4.1+), so that they carry the
 * worker's own {@code connector} and {@code task} tags and reach every metrics reporter the worker has (JMX as
 * {@code kafka.connect:type=plugins,connector=<name>,task=<id>}). The worker removes them when the task stops.
 *
 * <p>Only this class refers to {@link PluginMetrics}: on an older worker, where neither the method nor the
 * class exists, loading fails inside {@link #register}, which reports that and lets the task run on.
 */
final class PluginMetricsRegistration {

    private static final Logger log = LoggerFactory.getLogger(PluginMetricsRegistration.class);
    static final String TOPIC_TAG = "topic";

    private PluginMetricsRegistration() {
    }

    /** Registers the metrics; false (logged) when the worker has no plugin metrics or refuses them. */
    static boolean register(SinkTaskContext context, DeliveryStats stats, DeliveryPipeline pipeline, int window,
            Collection<String> topics) {
        if (context == null) {
            return false;
        }
        try {
            PluginMetrics metrics = context.pluginMetrics();
            if (metrics == null) {
                return false;
            }
            registerAll(metrics, stats, pipeline, window, topics);
            log.debug("The task's metrics are in Connect's plugin metrics (kafka.connect:type=plugins) too");
            return true;
        } catch (LinkageError | UnsupportedOperationException e) {
            log.info("This Connect worker has no plugin metrics (KIP-877, Kafka 4.1+): the task's metrics are in the "
                    + "io.github.coapsink:type=CoapSinkTask MBean only ({})", e.toString());
            return false;
        } catch (RuntimeException e) {
            log.warn("Cannot register the task's metrics with Connect's plugin metrics: {}", e.toString());
            return false;
        }
    }

    static void registerAll(PluginMetrics metrics, DeliveryStats stats, DeliveryPipeline pipeline, int window,
            Collection<String> topics) {
        LinkedHashMap<String, String> task = new LinkedHashMap<>();
        for (DeliveryStats.Event event : DeliveryStats.Event.values()) {
            gauge(metrics, task, recordsMetric(event),
                    "Records " + event.name().toLowerCase() + " since the task started", () -> stats.total(event));
        }
        for (ResponseClass c : ResponseClass.values()) {
            gauge(metrics, task, requestsMetric(c), requestsDescription(c), () -> stats.responses(c));
        }
        gauge(metrics, task, "records-pending", "Records accepted and not yet done", pipeline::pending);
        gauge(metrics, task, "requests-in-flight", "Requests sent and not yet answered", pipeline::inFlight);
        gauge(metrics, task, "requests-in-flight-max", "The most requests in flight at once since the task started",
                pipeline::maxInFlightSeen);
        gauge(metrics, task, "window-size", "Records the task holds at most (connect.coap.max.in.flight)",
                () -> window);
        gauge(metrics, task, "congestion-window",
                "Requests the congestion window lets on the wire at once now (connect.coap.congestion.control)",
                pipeline::congestionWindow);
        gauge(metrics, task, "congestion-window-decreases-total",
                "How often the congestion window shrank (retransmission, timeout, 5.03, 4.29)",
                pipeline::congestionWindowDecreases);
        gauge(metrics, task, "requests-waiting", "Requests that may go and wait for room in the congestion window",
                pipeline::waiting);
        gauge(metrics, task, "coap-retransmissions-total",
                "CoAP retransmissions of confirmable requests (no answer within ACK_TIMEOUT, or deemed lost early)",
                stats::retransmissions);
        gauge(metrics, task, "coap-early-retransmissions-total",
                "Requests deemed lost (later ones were answered, the measured retransmission timeout passed) and sent "
                        + "again ahead of ACK_TIMEOUT; also counted in coap-retransmissions-total",
                stats::earlyRetransmissions);
        gauge(metrics, task, "request-latency-p50-us", "Median latency of successful requests, in microseconds",
                () -> stats.requestLatency().percentile(50));
        gauge(metrics, task, "request-latency-p99-us",
                "99th percentile latency of successful requests, in microseconds",
                () -> stats.requestLatency().percentile(99));
        gauge(metrics, task, "request-latency-max-us", "Highest latency of a successful request, in microseconds",
                () -> stats.requestLatency().percentile(100));
        gauge(metrics, task, "response-records-written-total",
                "Response records Kafka acknowledged (connect.coap.response.topic)", stats::responsesWritten);
        gauge(metrics, task, "response-record-write-failures-total",
                "Writes of response records that failed; their records follow the error policy",
                stats::responseWriteFailures);
        for (String topic : topics) {
            LinkedHashMap<String, String> route = new LinkedHashMap<>();
            route.put(TOPIC_TAG, topic);
            for (DeliveryStats.Event event : DeliveryStats.Event.values()) {
                gauge(metrics, route, recordsMetric(event), "Records of this route " + event.name().toLowerCase(),
                        () -> stats.get(topic, event));
            }
            for (ResponseClass c : ResponseClass.values()) {
                gauge(metrics, route, requestsMetric(c), requestsDescription(c) + " on this route",
                        () -> stats.responses(topic, c));
            }
        }
    }

    static String recordsMetric(DeliveryStats.Event event) {
        return "records-" + event.name().toLowerCase() + "-total";
    }

    static String requestsMetric(ResponseClass c) {
        return "requests-" + c.label() + "-total";
    }

    private static String requestsDescription(ResponseClass c) {
        return switch (c) {
            case SUCCESS -> "Requests answered 2.xx";
            case CLIENT_ERROR -> "Requests answered 4.xx";
            case SERVER_ERROR -> "Requests answered 5.xx";
            case TIMEOUT -> "Requests without an answer in time";
            case HANDSHAKE_FAILURE -> "Requests not sent because the DTLS handshake failed";
            case OTHER_FAILURE -> "Requests reset by the server or not sent for another reason";
            case NON_SENT -> "NON requests sent (no answer expected)";
        };
    }

    private static void gauge(PluginMetrics metrics, LinkedHashMap<String, String> tags, String name,
            String description, LongSupplier value) {
        MetricName metricName = metrics.metricName(name, description, tags);
        metrics.addMetric(metricName, (Measurable) (config, now) -> value.getAsLong());
    }
}
