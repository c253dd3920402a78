package io.github.coapsink.delivery;

import io.github.coapsink.address.Address;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.RequestOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Gathers records of one lane (one partition, one resolved address) into one request: one open batch per lane, so
 * that interleaved devices on one partition still fill their batches. A batch is capped by
 * {@code connect.coap.batch.max.records} and by {@code connect.coap.batch.max.bytes} (its body), and may wait up to
 * {@code connect.coap.batch.linger.ms} after its first record for more ({@link #due}).
 *
 * <p>The records held here are not yet in the {@link DeliveryPipeline}: the task keeps them out of what it commits
 * ({@link #oldestOffsets}) and out of a redelivered batch ({@link #seen}). A lane's records leave in offset order,
 * and the task sends a lane's open batch before any other request of that lane, so nothing overtakes a held record
 * of its own lane. Not thread-safe: the task thread uses it.
 */
public final class Batcher {

    /** Records that travel in one request, in offset order. */
    public record Group(List<SinkRecord> records, OutgoingRequest request) {
    }

    private record LaneKey(TopicPartition partition, Address address) {
    }

    private static final class Open {
        final LaneKey key;
        final Route route;
        final long openedNanos;
        final List<SinkRecord> records = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        int bytes;
        /** The request built from the records, until another record joins. */
        Group group;

        Open(LaneKey key, Route route, long openedNanos) {
            this.key = key;
            this.route = route;
            this.openedNanos = openedNanos;
        }
    }

    private final int maxRecords;
    private final int maxBytes;
    private final long lingerNanos;
    private final LongSupplier nanoTime;
    private final RequestFactory requests;
    /** Oldest batch first: the order in which they were opened. */
    private final LinkedHashMap<LaneKey, Open> open = new LinkedHashMap<>();
    /** Per partition, the highest offset that entered the batcher since the partition was assigned. */
    private final Map<TopicPartition, Long> highestSeen = new HashMap<>();
    private int held;

    /**
     * @param maxBytes the cap of a batch's body, at most {@code requests.maxPayloadBytes()}
     * @param lingerMillis how long a batch may wait for more records; 0 for none
     * @param nanoTime the clock that times the linger ({@code System::nanoTime})
     */
    public Batcher(int maxRecords, int maxBytes, long lingerMillis, RequestFactory requests, LongSupplier nanoTime) {
        if (maxRecords < 1 || maxBytes < 1 || lingerMillis < 0) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive, lingerMillis not negative");
        }
        this.maxRecords = maxRecords;
        this.requests = Objects.requireNonNull(requests, "requests");
        this.maxBytes = Math.min(maxBytes, requests.maxPayloadBytes());
        this.lingerNanos = lingerMillis * 1_000_000L;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Without linger, capped by the maximum payload: one request per lane per put(). */
    public Batcher(int maxRecords, RequestFactory requests) {
        this(maxRecords, requests.maxPayloadBytes(), 0, requests, System::nanoTime);
    }

    /**
     * Whether this request may travel with others: batching is on, it has a body (a DELETE has none), no options
     * of its own, and its body fits a batch of one. A record too large for a batch is sent alone.
     */
    public boolean batchable(OutgoingRequest request) {
        return maxRecords > 1 && request.method() != OutgoingRequest.Method.DELETE
                && request.options() == RequestOptions.NONE
                && RequestFactory.batchBytes(request.payload().length, 1) <= maxBytes;
    }

    /** The open batch of this request's lane when the request does not fit in it: it must be sent first. */
    public Group blocking(SinkRecord record, OutgoingRequest request) {
        if (open.isEmpty()) {
            return null;
        }
        Open batch = open.get(new LaneKey(partitionOf(record), request.address()));
        if (batch == null || (batch.records.size() < maxRecords
                && RequestFactory.batchBytes(batch.bytes + request.payload().length, batch.records.size() + 1)
                        <= maxBytes)) {
            return null;
        }
        return groupOf(batch);
    }

    /** The open batch of this record's lane, or null: a request of the lane that is not batched goes after it. */
    public Group lane(SinkRecord record, Address address) {
        if (open.isEmpty()) {
            return null;
        }
        Open batch = open.get(new LaneKey(partitionOf(record), address));
        return batch == null ? null : groupOf(batch);
    }

    /**
     * Adds a batchable record to its lane's open batch (opening one); call {@link #blocking} first. Returns the
     * batch when it is full by count, to be sent at once, else null.
     */
    public Group add(SinkRecord record, Route route, OutgoingRequest request) {
        TopicPartition tp = partitionOf(record);
        LaneKey key = new LaneKey(tp, request.address());
        Open batch = open.get(key);
        if (batch == null) {
            batch = new Open(key, route, nanoTime.getAsLong());
            open.put(key, batch);
        }
        batch.records.add(record);
        batch.payloads.add(request.payload());
        batch.bytes += request.payload().length;
        batch.group = null;
        held++;
        highestSeen.merge(tp, record.kafkaOffset(), Math::max);
        return batch.records.size() >= maxRecords ? groupOf(batch) : null;
    }

    /** The group left the batcher: it was handed to the pipeline. */
    public void sent(Group group) {
        SinkRecord first = group.records().get(0);
        LaneKey key = new LaneKey(partitionOf(first), group.request().address());
        Open batch = open.get(key);
        if (batch == null || batch.group != group) {
            throw new IllegalArgumentException("not an open batch of this batcher");
        }
        open.remove(key);
        held -= batch.records.size();
    }

    /** The oldest open batch, or null. */
    public Group oldest() {
        Iterator<Open> it = open.values().iterator();
        return it.hasNext() ? groupOf(it.next()) : null;
    }

    /** The open batches whose linger is over, oldest first. */
    public List<Group> due() {
        long now = nanoTime.getAsLong();
        List<Group> due = new ArrayList<>();
        for (Open batch : open.values()) {
            if (now - batch.openedNanos < lingerNanos) {
                break; // opened in order: the rest are younger
            }
            due.add(groupOf(batch));
        }
        return due;
    }

    /** Nanoseconds until the oldest batch is due (0 when it is), or -1 when nothing is held. */
    public long nanosUntilDue() {
        Iterator<Open> it = open.values().iterator();
        if (!it.hasNext()) {
            return -1;
        }
        return Math.max(0, it.next().openedNanos + lingerNanos - nanoTime.getAsLong());
    }

    /** Records held in open batches. */
    public int held() {
        return held;
    }

    /** Whether this record entered the batcher before (held, or sent since): Connect redelivers after an exception. */
    public boolean seen(TopicPartition tp, long offset) {
        Long highest = highestSeen.get(tp);
        return highest != null && offset <= highest;
    }

    /** Per partition, the lowest offset held: no commit of the partition may pass it. */
    public Map<TopicPartition, Long> oldestOffsets() {
        Map<TopicPartition, Long> oldest = new HashMap<>();
        for (Open batch : open.values()) {
            oldest.merge(batch.key.partition(), batch.records.get(0).kafkaOffset(), Math::min);
        }
        return oldest;
    }

    /** Drops the held records of revoked partitions (their new owner consumes them again); returns how many. */
    public int drop(Collection<TopicPartition> partitions) {
        int dropped = 0;
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            Open batch = it.next();
            if (partitions.contains(batch.key.partition())) {
                dropped += batch.records.size();
                it.remove();
            }
        }
        held -= dropped;
        highestSeen.keySet().removeAll(partitions);
        return dropped;
    }

    /** Drops everything held (the task stops; the records are consumed again); returns how many. */
    public int clear() {
        int dropped = held;
        open.clear();
        highestSeen.clear();
        held = 0;
        return dropped;
    }

    private Group groupOf(Open batch) {
        if (batch.group == null) {
            batch.group = new Group(List.copyOf(batch.records),
                    requests.batch(batch.route, batch.key.address(), batch.payloads));
        }
        return batch.group;
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.topic(), record.kafkaPartition());
    }
}
