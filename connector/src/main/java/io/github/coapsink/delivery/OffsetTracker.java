package io.github.coapsink.delivery;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets may be committed: per partition, everything below the oldest record that was
 * accepted and is not yet done (delivered, or dropped by the error policy). Not thread-safe: the
 * pipeline guards it with its lock.
 */
final class OffsetTracker {

    private static final class PartitionState {
        final TreeSet<Long> open = new TreeSet<>();
        long next = -1;
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private int openTotal;

    /** Whether this record was accepted before (Connect redelivers a batch after a RetriableException). */
    boolean seen(TopicPartition tp, long offset) {
        PartitionState state = partitions.get(tp);
        return state != null && offset < state.next;
    }

    void accept(TopicPartition tp, long offset) {
        PartitionState state = partitions.computeIfAbsent(tp, p -> new PartitionState());
        if (state.open.add(offset)) {
            openTotal++;
        }
        state.next = Math.max(state.next, offset + 1);
    }

    /** Returns false when the partition was closed meanwhile (the record belongs to an old assignment). */
    boolean done(TopicPartition tp, long offset) {
        PartitionState state = partitions.get(tp);
        if (state != null && state.open.remove(offset)) {
            openTotal--;
            return true;
        }
        return false;
    }

    boolean isOpen(TopicPartition tp, long offset) {
        PartitionState state = partitions.get(tp);
        return state != null && state.open.contains(offset);
    }

    Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        partitions.forEach((tp, state) -> {
            long offset = state.open.isEmpty() ? state.next : state.open.first();
            if (offset >= 0) {
                out.put(tp, new OffsetAndMetadata(offset));
            }
        });
        return out;
    }

    /** Records accepted and not yet done, over all partitions: what the window bounds. */
    int openTotal() {
        return openTotal;
    }

    void forget(TopicPartition tp) {
        PartitionState state = partitions.remove(tp);
        if (state != null) {
            openTotal -= state.open.size();
        }
    }
}
