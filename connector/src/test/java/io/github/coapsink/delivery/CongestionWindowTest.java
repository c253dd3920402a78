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
}
