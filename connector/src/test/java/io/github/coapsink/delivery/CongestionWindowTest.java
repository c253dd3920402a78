package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CongestionWindowTest {

    /** A clock of the test's own: nanoTime values that only the test moves. */
    private long now = 1_000;

    private long tick() {
        return now += 1_000;
    }

    @Test
    void startsSmallButNeverAboveTheCeiling() {
        assertThat(CongestionWindow.adaptive(256).size()).isEqualTo(CongestionWindow.INITIAL);
        assertThat(CongestionWindow.adaptive(4).size()).isEqualTo(4);
        assertThat(CongestionWindow.adaptive(0, 8).size()).as("floor 1").isEqualTo(1);
    }

    @Test
    void slowStartAddsOnePerAnswerUpToTheCeiling() {
        CongestionWindow w = CongestionWindow.adaptive(2, 40);
        for (int i = 0; i < 10; i++) {
            w.answered(true);
        }
        assertThat(w.size()).isEqualTo(12);
        for (int i = 0; i < 100; i++) {
            w.answered(true);
        }
        assertThat(w.size()).isEqualTo(40);
    }

    @Test
    void growsOnlyWhileItIsTheLimit() {
        CongestionWindow w = CongestionWindow.adaptive(4, 100);
        for (int i = 0; i < 50; i++) {
            w.answered(false);
        }
        assertThat(w.size()).isEqualTo(4);
    }

    @Test
    void halvesOnCongestionAndThenGrowsByOnePerRoundTrip() {
        CongestionWindow w = CongestionWindow.adaptive(32, 100);
        long sent = tick();
        assertThat(w.congested(sent, tick())).isTrue();
        assertThat(w.size()).isEqualTo(16);
        assertThat(w.decreases()).isEqualTo(1);
        // past the threshold, one request more per window's worth of answers
        for (int i = 0; i < 16; i++) {
            w.answered(true);
        }
        assertThat(w.size()).isEqualTo(17);
        for (int i = 0; i < 17; i++) {
            w.answered(true);
        }
        assertThat(w.size()).isEqualTo(18);
    }

    @Test
    void oneDecreasePerRoundTripAndNeverBelowOne() {
        CongestionWindow w = CongestionWindow.adaptive(64, 64);
        long beforeFirstDecrease = tick();
        assertThat(w.congested(beforeFirstDecrease, tick())).isTrue();
        // the rest of a lost burst: sent before the decrease, the same congestion
        for (int i = 0; i < 20; i++) {
            assertThat(w.congested(beforeFirstDecrease, tick())).isFalse();
        }
        assertThat(w.size()).isEqualTo(32);
        for (int i = 0; i < 10; i++) {
            long sent = tick();
            w.congested(sent, tick());
        }
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.decreases()).isEqualTo(11);
        // from 1 the window grows again: the threshold is 1 now, so by one per round trip
        w.answered(true);
        assertThat(w.size()).isEqualTo(2);
    }

    @Test
    void aFixedWindowNeverMoves() {
        CongestionWindow w = CongestionWindow.fixed(256);
        assertThat(w.size()).isEqualTo(256);
        assertThat(w.congested(tick(), tick())).isFalse();
        w.answered(true);
        assertThat(w.size()).isEqualTo(256);
        assertThat(w.decreases()).isZero();
        assertThat(w.adaptive()).isFalse();
    }

    private static final long MS = 1_000_000L;

    @Test
    void growthStopsWhileRoundTripsLengthenAndResumesOnceTheQueueDrains() {
        CongestionWindow w = CongestionWindow.adaptive(2, 1_000);
        long t = 0;
        for (int i = 0; i < 10; i++) {
            w.answered(true, MS, t += MS);
        }
        assertThat(w.size()).isEqualTo(12);
        // the server falls behind: round trips grow from 1 ms to 40 ms as its queue fills
        for (int i = 0; i < 200; i++) {
            w.answered(true, Math.min(40, 1 + i) * MS, t += MS);
        }
        int held = w.size();
        assertThat(held).as("stopped growing long before the ceiling").isLessThan(40);
        assertThat(w.growthHeld()).isPositive();
        assertThat(w.baseRttNanos()).isEqualTo(MS);
        // the queue drains: round trips are short again and the window grows again
        for (int i = 0; i < 100; i++) {
            w.answered(true, MS, t += MS);
        }
        assertThat(w.size()).isGreaterThan(held + 50);
    }

    @Test
    void aNoisyRoundTripNeverShrinksTheWindow() {
        CongestionWindow w = CongestionWindow.adaptive(16, 1_000);
        long t = 0;
        int last = w.size();
        for (int i = 0; i < 1_000; i++) {
            w.answered(true, (i % 7 == 0 ? 50 : 1) * MS, t += MS);
            assertThat(w.size()).isGreaterThanOrEqualTo(last);
            last = w.size();
        }
        assertThat(w.decreases()).isZero();
    }

    @Test
    void onALongPathTheAllowanceIsOneBaseRoundTrip() {
        CongestionWindow w = CongestionWindow.adaptive(4, 100);
        long t = 0;
        w.answered(true, 100 * MS, t += MS);
        for (int i = 0; i < 50; i++) {
            w.answered(true, 180 * MS, t += MS); // 80 ms above a 100 ms base: less than one base round trip
        }
        assertThat(w.growthHeld()).isZero();
        assertThat(w.size()).isGreaterThan(50);
    }

    @Test
    void aPathThatGotLongerForGoodIsLearntAgain() {
        CongestionWindow w = CongestionWindow.adaptive(4, 10_000);
        long t = 0;
        w.answered(true, MS, t);
        for (int i = 0; i < 100; i++) {
            w.answered(true, 50 * MS, t += 10 * MS);
        }
        int stuck = w.size();
        assertThat(w.growthHeld()).as("a 1 ms base, 50 ms round trips: held").isPositive();
        // two base periods later the 1 ms sample has aged out and 50 ms is the base
        t += 2 * CongestionWindow.BASE_PERIOD_NANOS;
        for (int i = 0; i < 3; i++) {
            w.answered(true, 50 * MS, t += 10 * MS);
        }
        assertThat(w.baseRttNanos()).isEqualTo(50 * MS);
        for (int i = 0; i < 100; i++) {
            w.answered(true, 50 * MS, t += 10 * MS);
        }
        assertThat(w.size()).isGreaterThan(stuck + 50);
    }

    @Test
    void aFixedWindowIgnoresRoundTrips() {
        CongestionWindow w = CongestionWindow.fixed(64);
        w.answered(true, 500 * MS, 1);
        assertThat(w.size()).isEqualTo(64);
        assertThat(w.growthHeld()).isZero();
    }

    @Test
    void theLossDelayIsTheMeasuredRetransmissionTimeout() {
        CongestionWindow w = CongestionWindow.adaptive(4, 100);
        assertThat(w.lossDelayNanos()).as("nothing measured yet: no early loss detection").isZero();
        long t = 0;
        w.answered(true, 10 * MS, t += MS);
        // RFC 6298: SRTT = R, RTTVAR = R / 2, so SRTT + 4 x RTTVAR = 3 R
        assertThat(w.lossDelayNanos()).isEqualTo(30 * MS);
        for (int i = 0; i < 100; i++) {
            w.answered(true, 10 * MS, t += MS);
        }
        // steady round trips: the deviation fades, the floor above SRTT stays
        assertThat(w.lossDelayNanos()).isEqualTo(10 * MS + CongestionWindow.MIN_LOSS_DELAY_NANOS);
        assertThat(w.reorderWindowNanos()).as("a quarter of 10 ms, at least the floor")
                .isEqualTo(Math.max(CongestionWindow.MIN_LOSS_DELAY_NANOS, 10 * MS / 4));
        for (int i = 0; i < 100; i++) {
            w.answered(true, (i % 2 == 0 ? 5 : 15) * MS, t += MS);
        }
        assertThat(w.lossDelayNanos()).as("jittery round trips widen it").isGreaterThan(25 * MS);
        assertThat(CongestionWindow.fixed(100).lossDelayNanos()).isZero();
    }

    @Test
    void manyQueuedRequestsStopGrowthEvenWithinTheTimeAllowance() {
        CongestionWindow w = CongestionWindow.adaptive(2, 1_000);
        long t = 0;
        for (int i = 0; i < 300; i++) {
            w.answered(true, MS / 5, t += MS); // 0.2 ms round trips
        }
        assertThat(w.size()).isEqualTo(302);
        // 3 ms round trips: within the 5 ms allowance, but 300 x 2.8 / 3 = 280 requests wait in a queue
        for (int i = 0; i < 100; i++) {
            w.answered(true, 3 * MS, t += MS);
        }
        assertThat(w.size()).isLessThan(320);
        assertThat(w.growthHeld()).isPositive();
        // half a millisecond more than the base is noise, however large the window
        CongestionWindow quiet = CongestionWindow.adaptive(500, 1_000);
        quiet.answered(true, MS / 5, t += MS);
        for (int i = 0; i < 100; i++) {
            quiet.answered(true, MS / 5 + CongestionWindow.QUEUE_NOISE_NANOS, t += MS);
        }
        assertThat(quiet.growthHeld()).isZero();
    }

    @Test
    void aSpuriousResendWidensTheReorderWindowForAWhile() {
        CongestionWindow w = CongestionWindow.adaptive(4, 100);
        w.answered(true, 20 * MS, MS);
        assertThat(w.reorderWindowNanos()).as("a quarter of the 20 ms base").isEqualTo(5 * MS);
        w.lossDetected(false);
        assertThat(w.reorderWindowNanos()).as("a real loss changes nothing").isEqualTo(5 * MS);
        w.lossDetected(true);
        assertThat(w.reorderWindowNanos()).isEqualTo(10 * MS);
        for (int i = 0; i < 10; i++) {
            w.lossDetected(true);
        }
        assertThat(w.reorderWindowNanos()).as("at most 16 times").isEqualTo(80 * MS);
        for (int i = 0; i < CongestionWindow.REORDER_DECAY_DETECTIONS - 1; i++) {
            w.lossDetected(false);
        }
        assertThat(w.reorderWindowNanos()).isEqualTo(80 * MS);
        w.lossDetected(false);
        assertThat(w.reorderWindowNanos()).as("16 detections later, halved").isEqualTo(40 * MS);
        assertThat(w.spuriousResends()).isEqualTo(11);
    }
}
