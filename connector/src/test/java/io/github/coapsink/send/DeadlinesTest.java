package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Deadlines} on a real timer thread with a clock the test moves: a deadline expires once, never before the
 * clock reached it, not at all once disarmed, at its new time once re-armed; and the sweep goes idle when nothing
 * is armed. Waiting is on conditions (sweeps counted, expirations seen), never on time.
 */
class DeadlinesTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final Set<Item> items = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sweeps = new AtomicInteger();
    /** Counts the sweeps: each walks the items once. */
    private final Iterable<Item> counted = () -> {
        sweeps.incrementAndGet();
        return items.iterator();
    };
    private final Deadlines deadlines = new Deadlines(timer, counted, clock::get);

    private static final class Item implements Deadlines.Timed {
        private static final AtomicLongFieldUpdater<Item> DEADLINE =
                AtomicLongFieldUpdater.newUpdater(Item.class, "deadline");
        volatile long deadline = Deadlines.NONE;
        final List<Long> expiredAt = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicLong clockAtExpiry = new AtomicLong();
        private final AtomicLong clock;

        Item(AtomicLong clock) {
            this.clock = clock;
        }

        @Override
        public long deadlineNanos() {
            return deadline;
        }

        @Override
        public void expired(long armed) {
            if (DEADLINE.compareAndSet(this, armed, Deadlines.NONE)) {
                clockAtExpiry.set(clock.get());
                expiredAt.add(armed);
            }
        }
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private Item item() {
        Item item = new Item(clock);
        items.add(item);
        return item;
    }

    private void arm(Item item, long inNanos) {
        long d = deadlines.deadlineIn(inNanos);
        item.deadline = d;
        deadlines.armed(d);
    }

    /** Lets at least {@code n} more sweeps run (each walks every item once). */
    private void sweepsRun(int n) {
        int target = sweeps.get() + n;
        await().atMost(30, TimeUnit.SECONDS).until(() -> sweeps.get() >= target);
    }

    @Test
    void expiresOnceAndNotBeforeTheClockReachesTheDeadline() {
        Item item = item();
        arm(item, 500_000);
        long deadline = item.deadline;
        sweepsRun(3);
        assertThat(item.expiredAt).isEmpty();
        clock.addAndGet(499_999);
        sweepsRun(2);
        assertThat(item.expiredAt).isEmpty();
        clock.addAndGet(1);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !item.expiredAt.isEmpty());
        await().atMost(30, TimeUnit.SECONDS).until(() -> !deadlines.sweepScheduled()); // nothing armed: idle
        assertThat(item.expiredAt).containsExactly(deadline);
        assertThat(item.clockAtExpiry.get()).isGreaterThanOrEqualTo(deadline);
    }

    @Test
    void aDisarmedDeadlineNeverExpiresAndTheSweepGoesIdle() {
        Item disarmed = item();
        Item armed = item();
        arm(disarmed, 100_000);
        arm(armed, 200_000);
        disarmed.deadline = Deadlines.NONE;
        clock.addAndGet(200_000);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !armed.expiredAt.isEmpty());
        assertThat(disarmed.expiredAt).isEmpty();
        await().atMost(30, TimeUnit.SECONDS).until(() -> !deadlines.sweepScheduled());
    }

    @Test
    void aRearmedDeadlineExpiresAtItsNewTime() {
        Item item = item();
        arm(item, 100_000);
        arm(item, 900_000);
        long rearmed = item.deadline;
        clock.addAndGet(400_000);
        sweepsRun(3);
        assertThat(item.expiredAt).isEmpty();
        clock.addAndGet(500_000);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !item.expiredAt.isEmpty());
        assertThat(item.expiredAt).containsExactly(rearmed);
    }

    @Test
    void aDeadlineArmedAfterTheSweepWentIdleStillExpires() {
        Item first = item();
        arm(first, 1_000);
        clock.addAndGet(1_000);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !first.expiredAt.isEmpty());
        await().atMost(30, TimeUnit.SECONDS).until(() -> !deadlines.sweepScheduled());
        Item second = item();
        arm(second, 1_000);
        assertThat(deadlines.sweepScheduled()).isTrue();
        clock.addAndGet(1_000);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !second.expiredAt.isEmpty());
    }

    @Test
    void manyDeadlinesArmedFromSeveralThreadsWhileSweepsRunAllExpireExactlyOnce() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        List<Item> all = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            all.add(item());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> armers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Item> mine = all.subList(t * perThread, (t + 1) * perThread);
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (Item item : mine) {
                    arm(item, 1_000 + Math.floorMod(item.hashCode(), 500_000));
                    clock.addAndGet(100); // the clock moves on while deadlines are armed and expire
                }
            });
            thread.start();
            armers.add(thread);
        }
        start.countDown();
        for (Thread thread : armers) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        clock.addAndGet(1_000_000);
        await().atMost(30, TimeUnit.SECONDS).until(() -> all.stream().noneMatch(i -> i.expiredAt.isEmpty()));
        await().atMost(30, TimeUnit.SECONDS).until(() -> !deadlines.sweepScheduled());
        assertThat(all).allSatisfy(i -> assertThat(i.expiredAt).hasSize(1));
    }
}
