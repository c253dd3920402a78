package io.github.coapsink.send;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The request deadlines of one sender, kept by one timer task rather than one scheduled task per request.
 *
 * <p>A request's deadline is a field of the request ({@link Timed#deadlineNanos()}); arming it is a volatile write
 * and, only when no sweep is due by then, one timer task. The sweep runs on the sender's timer at the earliest
 * deadline, walks the sender's requests, expires the ones whose deadline has passed and schedules itself again at
 * the earliest deadline still armed. All requests of a sender have the same timeout, so deadlines are armed in
 * nearly ascending order and a request that is answered in time costs no timer operation at all (it used to cost
 * a schedule and a cancel on the timer's queue, each under the timer's lock, besides Californium's own).
 *
 * <p>A deadline never expires early. Deadlines closer together than {@link #COALESCE_NANOS} are expired by one
 * sweep, so a deadline may expire up to that much late.
 */
final class Deadlines {

    /** A deadline that is not armed. */
    static final long NONE = Long.MIN_VALUE;
    /** Sweeps are at least this far apart, so a storm of timeouts costs a sweep per millisecond, not per request. */
    static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Something with a deadline. */
    interface Timed {
        /** The armed deadline in {@link System#nanoTime()} terms, or {@link #NONE}. */
        long deadlineNanos();

        /**
         * The deadline {@code deadline} has passed (called on the timer thread). The implementation disarms it only
         * if it is still that deadline (it may have been re-armed meanwhile) and then times out.
         */
        void expired(long deadline);
    }

    private final ScheduledExecutorService timer;
    private final Iterable<? extends Timed> all;
    private final LongSupplier clock;
    /** When the scheduled sweep runs, or {@link #NONE} when none is scheduled (or one is under way). */
    private volatile long nextSweep = NONE;
    /** Guarded by this. */
    private ScheduledFuture<?> scheduled;
    /** Guarded by this: which scheduled sweep is the current one. */
    private long generation;

    /** {@code all}: every object that may have a deadline armed (weakly consistent iteration is enough). */
    Deadlines(ScheduledExecutorService timer, Iterable<? extends Timed> all, LongSupplier clock) {
        this.timer = timer;
        this.all = all;
        this.clock = clock;
    }

    /** A deadline {@code timeoutNanos} from now; never {@link #NONE}. */
    long deadlineIn(long timeoutNanos) {
        long deadline = clock.getAsLong() + timeoutNanos;
        return deadline == NONE ? deadline + 1 : deadline;
    }

    /**
     * Makes sure a sweep runs by {@code deadline}; call after the deadline was written where
     * {@link Timed#deadlineNanos()} reads it.
     */
    void armed(long deadline) {
        long next = nextSweep;
        if (next != NONE && deadline - next >= 0) {
            // A sweep is due no later: it will see this deadline (it reads it after clearing nextSweep, which
            // comes after this read) and expires it or schedules itself again for it.
            return;
        }
        synchronized (this) {
            scheduleBy(deadline);
        }
    }

    /** Under the lock: a sweep at {@code at} unless one is due by then. */
    private void scheduleBy(long at) {
        if (nextSweep != NONE && at - nextSweep >= 0) {
            return;
        }
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        long sweep = ++generation;
        nextSweep = at;
        try {
            scheduled = timer.schedule(() -> sweep(sweep), Math.max(0, at - clock.getAsLong()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the sender is closing; close() completes every request
            nextSweep = NONE;
            scheduled = null;
        }
    }

    /** Whether a sweep is scheduled, for tests. */
    boolean sweepScheduled() {
        return nextSweep != NONE;
    }

    private void sweep(long sweep) {
        synchronized (this) {
            if (sweep != generation) {
                return; // superseded by an earlier sweep
            }
            nextSweep = NONE; // from here, a deadline armed meanwhile schedules its own sweep
            scheduled = null;
        }
        long now = clock.getAsLong();
        long earliest = NONE;
        for (Timed t : all) {
            long deadline = t.deadlineNanos();
            if (deadline == NONE) {
                continue;
            }
            if (now - deadline >= 0) {
                t.expired(deadline);
            } else if (earliest == NONE || deadline - earliest < 0) {
                earliest = deadline;
            }
        }
        if (earliest != NONE) {
            long at = earliest - now < COALESCE_NANOS ? now + COALESCE_NANOS : earliest;
            synchronized (this) {
                scheduleBy(at);
            }
        }
    }
}
