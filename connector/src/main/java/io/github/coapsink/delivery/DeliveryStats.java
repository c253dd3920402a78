package io.github.coapsink.delivery;

import io.github.coapsink.send.SendResult;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts per topic of what happened to records, and of how requests ended: thread-safe, read by the progress
 * log and the metrics.
 */
public final class DeliveryStats {

    /** What can happen to a record. */
    public enum Event { DELIVERED, SKIPPED, RETRIED, FAILED, REPORTED }

    private final Map<String, Map<Event, LongAdder>> byTopic = new ConcurrentHashMap<>();
    private final Map<String, Map<ResponseClass, LongAdder>> responsesByTopic = new ConcurrentHashMap<>();
    private final LatencyHistogram requestLatency = new LatencyHistogram();
    private final LongAdder retransmissions = new LongAdder();

    /** Latency of successful requests, from handing the request to the sender to the server's answer. */
    public LatencyHistogram requestLatency() {
        return requestLatency;
    }

    /** A confirmable request was sent again because its answer did not come in time. */
    public void retransmission() {
        retransmissions.increment();
    }

    /** CoAP retransmissions of the task's requests since it started. */
    public long retransmissions() {
        return retransmissions.sum();
    }

    public void count(String topic, Event event) {
        byTopic.computeIfAbsent(topic, t -> {
            Map<Event, LongAdder> m = new ConcurrentHashMap<>();
            for (Event e : Event.values()) {
                m.put(e, new LongAdder());
            }
            return m;
        }).get(event).increment();
    }

    /** Counts how one request ended; {@code topic} is the route's (a request carries records of one topic). */
    public void response(String topic, SendResult result) {
        responsesByTopic.computeIfAbsent(topic, t -> {
            Map<ResponseClass, LongAdder> m = new EnumMap<>(ResponseClass.class);
            for (ResponseClass c : ResponseClass.values()) {
                m.put(c, new LongAdder());
            }
            return m;
        }).get(ResponseClass.of(result)).increment();
    }

    public long responses(ResponseClass responseClass) {
        return responsesByTopic.values().stream().mapToLong(m -> m.get(responseClass).sum()).sum();
    }

    public long responses(String topic, ResponseClass responseClass) {
        Map<ResponseClass, LongAdder> m = responsesByTopic.get(topic);
        return m == null ? 0 : m.get(responseClass).sum();
    }

    public long total(Event event) {
        return byTopic.values().stream().mapToLong(m -> m.get(event).sum()).sum();
    }

    public long get(String topic, Event event) {
        Map<Event, LongAdder> m = byTopic.get(topic);
        return m == null ? 0 : m.get(event).sum();
    }

    /** A snapshot, topics sorted by name. */
    public Map<String, Map<Event, Long>> snapshot() {
        Map<String, Map<Event, Long>> out = new TreeMap<>();
        byTopic.forEach((topic, m) -> {
            Map<Event, Long> counts = new TreeMap<>();
            m.forEach((e, adder) -> counts.put(e, adder.sum()));
            out.put(topic, counts);
        });
        return out;
    }
}
