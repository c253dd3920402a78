package io.github.coapsink.send;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Block-wise bodies (RFC 7959) to one resource go one after the other: Californium keeps one block-wise
 * transfer per peer and resource and cancels the older one when a newer one starts. A transfer is started
 * when it is its resource's turn; {@link Ticket#release()} hands the resource on to the next one waiting, or,
 * for a transfer still waiting, takes it out of the line.
 */
final class BlockwiseQueue {

    private final Map<String, ArrayDeque<Ticket>> lines = new HashMap<>();

    /** One transfer's place in its resource's line. */
    final class Ticket {
        private final String resource;
        private final Runnable start;
        private boolean holding;
        private boolean released;

        private Ticket(String resource, Runnable start) {
            this.resource = resource;
            this.start = start;
        }

        /** The transfer ended (or never needs to start): the next one waiting for the resource may go. */
        void release() {
            Ticket next;
            synchronized (lines) {
                if (released) {
                    return;
                }
                released = true;
                ArrayDeque<Ticket> line = lines.get(resource);
                if (!holding) {
                    if (line != null) {
                        line.remove(this);
                    }
                    return;
                }
                holding = false;
                next = line == null ? null : line.poll();
                if (next == null) {
                    lines.remove(resource);
                } else {
                    next.holding = true;
                }
            }
            if (next != null) {
                next.start.run();
            }
        }
    }

    /**
     * Runs {@code start} now if no transfer to {@code resource} is under way, else when the ones before it have
     * released the resource.
     */
    Ticket enqueue(String resource, Runnable start) {
        Ticket ticket = new Ticket(resource, start);
        synchronized (lines) {
            ArrayDeque<Ticket> line = lines.get(resource);
            if (line != null) {
                line.add(ticket);
                return ticket;
            }
            lines.put(resource, new ArrayDeque<>());
            ticket.holding = true;
        }
        start.run();
        return ticket;
    }

    /** Transfers waiting (not counting those under way), for tests. */
    int waiting() {
        synchronized (lines) {
            return lines.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }
}
