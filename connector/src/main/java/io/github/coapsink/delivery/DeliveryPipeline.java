package io.github.coapsink.delivery;

import io.github.coapsink.address.Address;
import io.github.coapsink.config.Ordering;
import io.github.coapsink.response.ResponseSink;
import io.github.coapsink.send.CoapSender;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Moves records from {@code put()} to the {@link CoapSender} and keeps track of what may be
 * committed.
 *
 * <p>Records are accepted into a window of at most {@code window} records that are not yet done;
 * {@link #submit} waits while it is full. Under {@link Ordering#PARTITION_RESOURCE}, records of one
 * partition for one resource form a lane and are sent one after the other; different lanes go in
 * parallel. A failed record stops its lane and waits in {@link #failures()} until the task decides
 * to {@link #drop} it (delivered to the dead-letter queue, skipped by policy) or {@link #resend} it.
 * A partition's committable offset never passes a record that is not done.
 *
 * <p>How many requests are on the wire at once is the {@link CongestionWindow}'s to say: a lane's head that may
 * go waits, unsent, in a first-in first-out line of ready requests while the congestion window is full, and goes
 * out as answers come back. Answers, retransmissions, timeouts, 5.03 and 4.29 are what the window learns from.
 *
 * <p>Thread-safe: the task thread calls in, the sender's threads complete requests.
 */
public final class DeliveryPipeline implements AutoCloseable {

    private record LaneKey(TopicPartition partition, Address address) {
    }

    private static final class Lane {
        final LaneKey key;
        final ArrayDeque<Delivery> queue = new ArrayDeque<>();
        boolean busy;

        Lane(LaneKey key) {
            this.key = key;
        }
    }

    /** One request and the records it carries (one, or several of one partition in offset order). */
    private static final class Delivery {
        final List<SinkRecord> records;
        final TopicPartition partition;
        final OutgoingRequest request;
        final Lane lane;
        int attempts;
        volatile long sentNanos;
        /** The request on the wire, once the sender took it; cancelled when the partition is closed. */
        volatile CompletableFuture<SendResult> onWire;
        /** It was deemed lost while on the wire and sent again early ({@link #detectLoss}), this attempt. */
        boolean resentEarly;
        /** Californium retransmitted it, this attempt: its answer's round trip is not a sample (Karn's rule). */
        boolean retransmitted;
        /** When it was resent early; 0 if it was not (or the copy did not go out). */
        long resentNanos;
        volatile boolean cancelled;
        /** The outcome whose response records are being written (or failed to be written); null before. */
        SendResult answered;
        long latencyNanos;
        int responseAttempts;

        Delivery(List<SinkRecord> records, TopicPartition partition, OutgoingRequest request, Lane lane) {
            this.records = records;
            this.partition = partition;
            this.request = request;
            this.lane = lane;
        }

        long firstOffset() {
            return records.get(0).kafkaOffset();
        }
    }

    private final CoapSender sender;
    private final int window;
    private final CongestionWindow congestion;
    /** Bodies up to this size travel in one message (Californium's MAX_MESSAGE_SIZE default): one round trip. */
    private static final int SINGLE_MESSAGE_BYTES = 1024;
    /** Requests that may go (lane heads, retries) and wait for room in the congestion window, oldest first. */
    private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    private final Ordering ordering;
    private final DeliveryStats stats;
    /** Where answers go ({@code connect.coap.response.topic}); null when they go nowhere. */
    private final ResponseSink responses;
    private final ReentrantLock lock = new ReentrantLock();
    /** When requests go and answers come ({@link System#nanoTime()}; tests bring a clock of their own). */
    private LongSupplier clock = System::nanoTime;
    private final Condition changed = lock.newCondition();
    private final OffsetTracker offsets = new OffsetTracker();
    private final Map<LaneKey, Lane> lanes = new HashMap<>();
    /** Undecided failures, keyed by identity of the failed delivery (or a record-only failure). */
    private final Map<Object, Failure> failures = new LinkedHashMap<>();
    private final Map<Failure, Delivery> failedDeliveries = new HashMap<>();
    /**
     * Deliveries handed to the sender and not yet completed, in the order they were handed over (Delivery has
     * identity equality): the first is the oldest on the wire, the one that early loss detection looks at.
     */
    private final LinkedHashSet<Delivery> sending = new LinkedHashSet<>();
    private int inFlight;
    private int maxInFlightSeen;
    private boolean closed;
    /** Threads waiting on {@link #changed}: a delivery wakes nobody when nobody waits. */
    private int waiters;
    /**
     * How much room a delivery must leave in the window before it wakes a waiting {@link #submit}: waking the task
     * thread for every record freed costs a thread hand-off per record; a few records' room costs the window
     * (and throughput) at most a few records. A submit also wakes at the end of its own wait.
     */
    private final int wakeRoom;

    /** A pipeline that puts as many requests on the wire as it holds records: {@link CongestionWindow#fixed}. */
    public DeliveryPipeline(CoapSender sender, int window, Ordering ordering, DeliveryStats stats) {
        this(sender, window, CongestionWindow.fixed(window), ordering, stats, null);
    }

    /**
     * @param window how many records may be accepted and not yet done ({@code connect.coap.max.in.flight})
     * @param congestion how many requests may be on the wire at once; its ceiling is at most {@code window}
     */
    public DeliveryPipeline(CoapSender sender, int window, CongestionWindow congestion, Ordering ordering,
            DeliveryStats stats) {
        this(sender, window, congestion, ordering, stats, null);
    }

    /** A pipeline with a fixed congestion window that writes the answers to {@code responses}. */
    public DeliveryPipeline(CoapSender sender, int window, Ordering ordering, DeliveryStats stats,
            ResponseSink responses) {
        this(sender, window, CongestionWindow.fixed(window), ordering, stats, responses);
    }

    /**
     * A pipeline that writes the answers to {@code responses} (null: nowhere). A record whose outcome gets a
     * response record is done only once Kafka acknowledged that record, and its lane sends the next request only
     * then, so that the answers of one lane are written in the lane's order.
     */
    public DeliveryPipeline(CoapSender sender, int window, CongestionWindow congestion, Ordering ordering,
            DeliveryStats stats, ResponseSink responses) {
        this.responses = responses;
        this.sender = Objects.requireNonNull(sender, "sender");
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1");
        }
        this.window = window;
        this.congestion = Objects.requireNonNull(congestion, "congestion");
        if (congestion.max() > window) {
            throw new IllegalArgumentException("the congestion window's ceiling " + congestion.max()
                    + " exceeds the window of " + window + " records");
        }
        this.wakeRoom = Math.max(1, Math.min(16, window / 64));
        this.ordering = Objects.requireNonNull(ordering, "ordering");
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.topic(), record.kafkaPartition());
    }

    /** True when this record was accepted before: Connect redelivers a batch after a RetriableException. */
    public boolean alreadyAccepted(SinkRecord record) {
        lock.lock();
        try {
            return offsets.seen(partitionOf(record), record.kafkaOffset());
        } finally {
            lock.unlock();
        }
    }

    /** Accepts a record that needs no request (e.g. a skipped tombstone): it is done at once. */
    public void acceptDone(SinkRecord record) {
        lock.lock();
        try {
            TopicPartition tp = partitionOf(record);
            offsets.accept(tp, record.kafkaOffset());
            offsets.done(tp, record.kafkaOffset());
        } finally {
            lock.unlock();
        }
    }

    /** Accepts a record that cannot be sent (e.g. it could not be encoded): it waits for a decision. */
    public void acceptFailed(SinkRecord record, String detail, Throwable cause) {
        lock.lock();
        try {
            offsets.accept(partitionOf(record), record.kafkaOffset());
            Failure failure = Failure.of(record, null, false, 0, detail, cause);
            failures.put(failure, failure);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Accepts a record for sending, waiting at most {@code maxWaitMillis} for room in the window.
     *
     * @return false, without accepting the record, when there was no room in time; the caller deals with
     *     failures and calls again
     */
    public boolean submit(SinkRecord record, OutgoingRequest request, long maxWaitMillis) throws InterruptedException {
        return submit(List.of(record), request, maxWaitMillis);
    }

    /**
     * Accepts several records of one partition, in offset order, that travel in one request and succeed or
     * fail together. They count as that many records against the window; a group larger than the window is
     * accepted when nothing else is pending.
     */
    public boolean submit(List<SinkRecord> records, OutgoingRequest request, long maxWaitMillis)
            throws InterruptedException {
        List<Delivery> toSend;
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
            while (offsets.openTotal() + records.size() > window && offsets.openTotal() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                await(left);
            }
            TopicPartition tp = partitionOf(records.get(0));
            for (SinkRecord record : records) {
                offsets.accept(tp, record.kafkaOffset());
            }
            LaneKey key = ordering == Ordering.PARTITION_RESOURCE ? new LaneKey(tp, request.address()) : null;
            Lane lane = key == null ? new Lane(null) : lanes.computeIfAbsent(key, Lane::new);
            lane.queue.add(new Delivery(List.copyOf(records), tp, request, lane));
            toSend = nextToSend(lane);
        } finally {
            lock.unlock();
        }
        send(toSend);
        return true;
    }

    /** Under the lock. */
    private void await(long nanos) throws InterruptedException {
        waiters++;
        try {
            changed.awaitNanos(nanos);
        } finally {
            waiters--;
        }
    }

    /**
     * Under the lock, after a delivery: wakes the waiters if what they wait for may hold, that is room in the
     * window ({@link #submit}) or nothing left but failures ({@link #awaitIdle}).
     */
    private void wakeIfRoom() {
        if (waiters > 0) {
            int open = offsets.openTotal();
            if (window - open >= wakeRoom || open <= failures.size()) {
                changed.signalAll();
            }
        }
    }

    /** Under the lock: schedules the lane's head and takes what the congestion window lets go now. */
    private List<Delivery> nextToSend(Lane lane) {
        schedule(lane);
        return takeReady();
    }

    /** Under the lock: if the lane may send now, marks it busy and puts its head in the line for the wire. */
    private void schedule(Lane lane) {
        if (lane.busy || lane.queue.isEmpty() || closed) {
            return;
        }
        lane.busy = true;
        ready.add(lane.queue.peek());
    }

    /** Under the lock: takes as many ready requests onto the wire as the congestion window has room for. */
    private List<Delivery> takeReady() {
        if (ready.isEmpty() || closed || inFlight >= congestion.size()) {
            return List.of();
        }
        Delivery first = ready.poll();
        markSending(first);
        if (ready.isEmpty() || inFlight >= congestion.size()) {
            return List.of(first);
        }
        List<Delivery> out = new ArrayList<>();
        out.add(first);
        while (!ready.isEmpty() && inFlight < congestion.size()) {
            Delivery d = ready.poll();
            markSending(d);
            out.add(d);
        }
        return out;
    }

    /** Under the lock. */
    private void markSending(Delivery d) {
        inFlight++;
        maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
        d.cancelled = false;
        d.resentEarly = false;
        d.retransmitted = false;
        d.resentNanos = 0;
        sending.add(d);
    }

    private void send(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            d.sentNanos = clock.getAsLong();
            CompletableFuture<SendResult> onWire = sender.send(d.request, () -> retransmitted(d)).toCompletableFuture();
            d.onWire = onWire;
            if (d.cancelled) {
                onWire.cancel(false); // its partition was closed while it was being handed over
            }
            onWire.whenComplete((result, error) -> completed(d,
                    error != null ? SendResult.transientFailure(null, "sender failed: " + error) : result));
        }
    }

    /** A request still on the wire was sent again: the server did not answer in time. */
    private void retransmitted(Delivery d) {
        stats.retransmission();
        long now = clock.getAsLong();
        lock.lock();
        try {
            if (sending.contains(d)) {
                d.retransmitted = true;
                congestion.congested(d.sentNanos, now);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether a result says that the server or the path to it is congested. */
    private static boolean congestionSign(SendResult result) {
        if (result.kind() == SendResult.Kind.TIMEOUT) {
            return true;
        }
        String code = result.responseCode();
        return "5.03".equals(code) || "4.29".equals(code);
    }

    private void completed(Delivery d, SendResult result) {
        stats.response(d.partition.topic(), result);
        boolean writeAnswer = false;
        List<Delivery> toSend = List.of();
        Delivery lost = null;
        lock.lock();
        try {
            boolean windowFull = inFlight >= congestion.size();
            inFlight--;
            sending.remove(d);
            if (result.delivered() && roundTrip(d) && !d.retransmitted && !d.resentEarly) {
                lost = detectLoss(d);
            } else if (d.resentNanos != 0 && result.delivered()) {
                // an answer sooner after the copy than half a smoothed round trip was the first copy's (the copy
                // waits in the same queues as every request): the request was only late
                long sinceCopy = clock.getAsLong() - d.resentNanos;
                congestion.lossDetected(sinceCopy < congestion.smoothedRttNanos() / 2);
            }
            // A request of a closed partition says nothing about the server; its records will be consumed again.
            // Either way its place on the wire is free for the next ready request.
            if (current(d)) {
                writeAnswer = settle(d, result, windowFull);
            }
            toSend = takeReady();
        } finally {
            lock.unlock();
        }
        send(toSend);
        if (lost != null) {
            resend(lost);
        }
        if (writeAnswer) {
            writeAnswer(d);
        }
    }

    /** Whether the delivery's answer took one round trip: a confirmable request in a single message. */
    private static boolean roundTrip(Delivery d) {
        return d.request.confirmable() && d.request.payload().length <= SINGLE_MESSAGE_BYTES;
    }

    /**
     * Under the lock, when {@code answered} got its answer: early loss detection in the spirit of TCP's RACK
     * (RFC 8985) and CoCoA. The oldest request still on the wire counts as lost when it was sent a reordering window
     * before {@code answered} (a request sent after it got through) and has gone unanswered longer than the measured
     * retransmission timeout ({@link CongestionWindow#lossDelayNanos()}). That is a sign of congestion heard of one
     * round trip after the loss instead of CoAP's ACK_TIMEOUT (2-3 s) later, so the window shrinks (if a queue had
     * built up: congestion, not random loss) before it overruns the server's buffer again, and the request is sent
     * again at once instead of holding its partition's commit for an ACK_TIMEOUT. Only single-message confirmable
     * requests: a block-wise body's answer takes several round trips, a NON request has none; such a request is moved
     * behind the others when it is the oldest. Each request at most once; it is then moved behind the others too.
     *
     * @return the request to send again (outside the lock), or null
     */
    private Delivery detectLoss(Delivery answered) {
        long lossDelay = congestion.lossDelayNanos();
        if (lossDelay == 0 || sending.isEmpty()) {
            return null;
        }
        Delivery oldest = sending.iterator().next();
        long sent = oldest.sentNanos;
        if (oldest.onWire != null && (!roundTrip(oldest) || !(oldest.onWire instanceof CoapSender.Resendable))) {
            // never resent early (a block-wise body, a NON request): out of the way of the requests behind it
            sending.remove(oldest);
            sending.add(oldest);
            return null;
        }
        long now = clock.getAsLong();
        if (oldest.resentEarly || sent == 0 || oldest.onWire == null
                || answered.sentNanos - sent < congestion.reorderWindowNanos() || now - sent < lossDelay) {
            return null;
        }
        oldest.resentEarly = true;
        sending.remove(oldest);
        sending.add(oldest);
        return oldest;
    }

    /**
     * Sends a request deemed lost again now (outside the lock). If a datagram went out (not when the request was
     * answered meanwhile, or still waits for a message ID or a handshake) and a queue had built up, the loss is a
     * sign of congestion ({@link CongestionWindow#lossIsCongestion()}); without a queue it was lost at random.
     */
    private void resend(Delivery lost) {
        CompletableFuture<SendResult> onWire = lost.onWire;
        if (onWire instanceof CoapSender.Resendable resendable && resendable.resendNow()) {
            stats.retransmission();
            stats.earlyRetransmission();
            long now = clock.getAsLong();
            lock.lock();
            try {
                lost.resentNanos = now;
                if (congestion.lossIsCongestion()) {
                    congestion.congested(lost.sentNanos, now);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Under the lock: what a current delivery's result means for the congestion window, its records and its lane.
     *
     * @return whether its answer is to be written to the response topic before its records are done
     */
    private boolean settle(Delivery d, SendResult result, boolean windowFull) {
        long now = clock.getAsLong();
        if (congestionSign(result)) {
            congestion.congested(d.sentNanos, now);
        } else if (result.delivered()) {
            if (roundTrip(d) && !d.retransmitted && !d.resentEarly) {
                congestion.answered(windowFull, now - d.sentNanos, now);
            } else {
                // A block-wise body's answer takes many round trips, a NON one none. A retransmitted request's
                // answer may be to either copy (Karn's rule, RFC 6298 section 3): without this a lossy link's
                // retransmissions would inflate SRTT and look like a queue. None of them is a round trip.
                congestion.answered(windowFull);
            }
        }
        boolean writeAnswer = responses != null && responses.wants(result);
        if (writeAnswer) {
            // The lane stays busy until Kafka has the answer: the next request of the lane waits for it.
            d.answered = result;
            d.latencyNanos = now - d.sentNanos;
        } else if (result.delivered()) {
            delivered(d);
            wakeIfRoom();
        } else {
            failed(d, result);
            changed.signalAll();
        }
        return writeAnswer;
    }

    /** Under the lock: whether the delivery still belongs to an assigned partition and its current lane. */
    private boolean current(Delivery d) {
        return !d.cancelled && offsets.isOpen(d.partition, d.firstOffset())
                && (d.lane.key == null || lanes.get(d.lane.key) == d.lane);
    }

    /** Under the lock: the delivery's records are done; the lane's next delivery joins the line for the wire. */
    private void delivered(Delivery d) {
        stats.requestLatency().record((clock.getAsLong() - d.sentNanos) / 1_000);
        d.lane.queue.poll();
        d.lane.busy = false;
        for (SinkRecord record : d.records) {
            offsets.done(d.partition, record.kafkaOffset());
            stats.count(record.topic(), DeliveryStats.Event.DELIVERED);
        }
        removeIfIdle(d.lane);
        schedule(d.lane);
    }

    /** Under the lock: the request failed; the lane stays busy until the task decides. */
    private void failed(Delivery d, SendResult result) {
        boolean retriable = result.outcome() == SendResult.Outcome.TRANSIENT;
        if (retriable) {
            d.attempts++;
        }
        Failure failure = new Failure(d.records, d.request, retriable, d.attempts, result.detail(), null,
                result.retryAfterMillis());
        failures.put(d, failure);
        failedDeliveries.put(failure, d);
    }

    private void writeAnswer(Delivery d) {
        CompletableFuture<Void> written;
        try {
            written = responses.write(d.records, d.request, d.answered, d.latencyNanos);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((ok, error) -> answerWritten(d, error));
    }

    /** Kafka acknowledged the answer's records (or could not write them). */
    private void answerWritten(Delivery d, Throwable error) {
        List<Delivery> toSend = List.of();
        lock.lock();
        try {
            if (!offsets.isOpen(d.partition, d.firstOffset())
                    || (d.lane.key != null && lanes.get(d.lane.key) != d.lane)) {
                return; // the partition was closed meanwhile
            }
            if (error != null) {
                d.responseAttempts++;
                stats.responseWriteFailed();
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                Failure failure = new Failure(d.records, d.request, true, d.responseAttempts, "the server answered "
                        + describe(d.answered) + " but its response record could not be written to Kafka: "
                        + cause, cause, 0);
                failures.put(d, failure);
                failedDeliveries.put(failure, d);
                changed.signalAll();
            } else {
                stats.responsesWritten(d.records.size());
                SendResult result = d.answered;
                d.answered = null;
                if (result.delivered()) {
                    delivered(d);
                    wakeIfRoom();
                    toSend = takeReady();
                } else {
                    failed(d, result);
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        send(toSend);
    }

    private static String describe(SendResult result) {
        return result.responseCode() == null ? "nothing (NON request sent)" : result.responseCode();
    }

    private void removeIfIdle(Lane lane) {
        if (lane.key != null && lane.queue.isEmpty() && !lane.busy) {
            lanes.remove(lane.key);
        }
    }

    /** The failures waiting for a decision, oldest first. */
    public List<Failure> failures() {
        lock.lock();
        try {
            return new ArrayList<>(failures.values());
        } finally {
            lock.unlock();
        }
    }

    /** The record is done without delivery (reported to the dead-letter queue or skipped by policy). */
    public void drop(Failure failure) {
        List<Delivery> toSend = List.of();
        lock.lock();
        try {
            Delivery d = failedDeliveries.remove(failure);
            if (d == null) {
                failures.remove(failure);
                offsets.done(partitionOf(failure.record()), failure.record().kafkaOffset());
            } else {
                failures.remove(d);
                for (SinkRecord record : d.records) {
                    offsets.done(d.partition, record.kafkaOffset());
                }
                d.lane.queue.poll();
                d.lane.busy = false;
                removeIfIdle(d.lane);
                toSend = nextToSend(d.lane);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        send(toSend);
    }

    /**
     * Sends the failed record again; the records behind it in its lane follow once it is delivered. When the server
     * had answered and only the response record could not be written, the response record is written again and
     * the request is not repeated.
     */
    public void resend(Failure failure) {
        Delivery d;
        boolean answerOnly;
        List<Delivery> toSend = List.of();
        lock.lock();
        try {
            d = failedDeliveries.remove(failure);
            if (d == null) {
                throw new IllegalArgumentException("only a failed request can be sent again: " + failure.describe());
            }
            failures.remove(d);
            answerOnly = d.answered != null;
            // a retry goes first in the line for the congestion window: its lane and its partition's commit wait
            if (!answerOnly) {
                ready.addFirst(d);
                toSend = takeReady();
            }
        } finally {
            lock.unlock();
        }
        if (answerOnly) {
            writeAnswer(d);
        } else {
            send(toSend);
        }
    }

    /** Per partition, the offset up to which every record is done: what may be committed. */
    public Map<TopicPartition, OffsetAndMetadata> committable() {
        lock.lock();
        try {
            return offsets.committable();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets partitions that were revoked: their open records will be consumed again by their new owner. Their
     * requests on the wire are cancelled, so that no retransmission of an older state lands after the new
     * owner's newer one.
     */
    public void forget(Collection<TopicPartition> partitions) {
        List<CompletableFuture<SendResult>> toCancel = new ArrayList<>();
        lock.lock();
        try {
            for (Delivery d : sending) {
                if (partitions.contains(d.partition)) {
                    d.cancelled = true;
                    CompletableFuture<SendResult> onWire = d.onWire;
                    if (onWire != null) {
                        toCancel.add(onWire);
                    }
                }
            }
            ready.removeIf(d -> partitions.contains(d.partition));
            for (TopicPartition tp : partitions) {
                offsets.forget(tp);
                lanes.keySet().removeIf(k -> k.partition().equals(tp));
                for (Iterator<Map.Entry<Object, Failure>> it = failures.entrySet().iterator(); it.hasNext(); ) {
                    Failure f = it.next().getValue();
                    if (partitionOf(f.record()).equals(tp)) {
                        failedDeliveries.remove(f);
                        it.remove();
                    }
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        toCancel.forEach(f -> f.cancel(false));
    }

    /** Records accepted and not yet done. */
    public int pending() {
        lock.lock();
        try {
            return offsets.openTotal();
        } finally {
            lock.unlock();
        }
    }

    /** Requests on the wire right now. */
    public int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: the clock that times round trips and early loss detection, before the first record. */
    void useClock(LongSupplier testClock) {
        clock = Objects.requireNonNull(testClock);
    }

    /** Requests that may go and wait for room in the congestion window. */
    public int waiting() {
        lock.lock();
        try {
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many requests the congestion window lets on the wire at once now. */
    public int congestionWindow() {
        lock.lock();
        try {
            return congestion.size();
        } finally {
            lock.unlock();
        }
    }

    /** How often the congestion window shrank since the pipeline started. */
    public long congestionWindowDecreases() {
        lock.lock();
        try {
            return congestion.decreases();
        } finally {
            lock.unlock();
        }
    }

    /** The most requests that were on the wire at once since the pipeline started. */
    public int maxInFlightSeen() {
        lock.lock();
        try {
            return maxInFlightSeen;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until nothing is pending or a failure needs a decision, at most {@code maxWaitMillis}. */
    public boolean awaitIdle(long maxWaitMillis) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
            while (offsets.openTotal() > failures.size()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                await(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
