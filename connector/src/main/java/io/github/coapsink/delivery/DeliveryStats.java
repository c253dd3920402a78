package io.github.coapsink.delivery;

import io.github.coapsink.send.SendResult;
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

    private static final Event[] EVENTS = Event.values();
    private static final ResponseClass[] RESPONSE_CLASSES = ResponseClass.values();

    /** One topic's counters, indexed by ordinal: counting a record is an array access and an add. */
    private static final class TopicCounts {
        final String topic;
        final LongAdder[] events = adders(EVENTS.length);
        final LongAdder[] responses = adders(RESPONSE_CLASSES.length);
        /** Whether a record of the topic was counted (a topic only answered for is not in the snapshot). */
        volatile boolean recordsCounted;

        TopicCounts(String topic) {
            this.topic = topic;
        }

        private static LongAdder[] adders(int n) {
            LongAdder[] a = new LongAdder[n];
            for (int i = 0; i < n; i++) {
                a[i] = new LongAdder();
            }
            return a;
        }
    }

    private final Map<String, TopicCounts> byTopic = new ConcurrentHashMap<>();
    /** The topic counted last: records and responses come in runs of one topic, so this spares the map lookup. */
    private volatile TopicCounts last;
    private final LatencyHistogram requestLatency = new LatencyHistogram();
    private final LongAdder responsesWritten = new LongAdder();
    private final LongAdder responseWriteFailures = new LongAdder();

    /** Response records Kafka acknowledged ({@code connect.coap.response.topic}). */
    public void responsesWritten(int records) {
        responsesWritten.add(records);
    }

    /** A write of response records that failed (its records follow the error policy). */
    public void responseWriteFailed() {
        responseWriteFailures.increment();
    }

    public long responsesWritten() {
        return responsesWritten.sum();
    }

    public long responseWriteFailures() {
        return responseWriteFailures.sum();
    }
    private final LongAdder retransmissions = new LongAdder();
    private final LongAdder earlyRetransmissions = new LongAdder();

    /** Latency of successful requests, from handing the request to the sender to the server's answer. */
    public LatencyHistogram requestLatency() {
        return requestLatency;
    }

    private TopicCounts of(String topic) {
        TopicCounts l = last;
        if (l != null && (l.topic == topic || l.topic.equals(topic))) {
            return l;
        }
        TopicCounts c = byTopic.computeIfAbsent(topic, TopicCounts::new);
        last = c;
        return c;
    }

    /** A confirmable request was sent again because its answer did not come in time. */
    public void retransmission() {
        retransmissions.increment();
    }

    /** A request deemed lost by early loss detection was sent again ahead of its retransmission timer. */
    public void earlyRetransmission() {
        earlyRetransmissions.increment();
    }

    /** Early retransmissions (also counted in {@link #retransmissions()}) since the task started. */
    public long earlyRetransmissions() {
        return earlyRetransmissions.sum();
    }

    /** CoAP retransmissions of the task's requests since it started. */
    public long retransmissions() {
        return retransmissions.sum();
    }

    public void count(String topic, Event event) {
        TopicCounts c = of(topic);
        if (!c.recordsCounted) {
            c.recordsCounted = true;
        }
        c.events[event.ordinal()].increment();
    }

    /** Counts how one request ended; {@code topic} is the route's (a request carries records of one topic). */
    public void response(String topic, SendResult result) {
        of(topic).responses[ResponseClass.of(result).ordinal()].increment();
    }

    public long responses(ResponseClass responseClass) {
        return byTopic.values().stream().mapToLong(c -> c.responses[responseClass.ordinal()].sum()).sum();
    }

    public long responses(String topic, ResponseClass responseClass) {
        TopicCounts c = byTopic.get(topic);
        return c == null ? 0 : c.responses[responseClass.ordinal()].sum();
    }

    public long total(Event event) {
        return byTopic.values().stream().mapToLong(c -> c.events[event.ordinal()].sum()).sum();
    }

    public long get(String topic, Event event) {
        TopicCounts c = byTopic.get(topic);
        return c == null ? 0 : c.events[event.ordinal()].sum();
    }

    /** A snapshot of the topics records were counted for, sorted by name. */
    public Map<String, Map<Event, Long>> snapshot() {
        Map<String, Map<Event, Long>> out = new TreeMap<>();
        byTopic.forEach((topic, c) -> {
            if (!c.recordsCounted) {
                return;
            }
            Map<Event, Long> counts = new TreeMap<>();
            for (Event e : EVENTS) {
                counts.put(e, c.events[e.ordinal()].sum());
            }
            out.put(topic, counts);
        });
        return out;
    }
}
