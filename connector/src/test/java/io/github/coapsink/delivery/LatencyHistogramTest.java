package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void emptyHistogramHasNoPercentile() {
        assertThat(new LatencyHistogram().percentile(50)).isEqualTo(-1);
    }

    @Test
    void percentilesAreWithinTheBucketPrecision() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 10_000; i++) {
            h.record(i);
        }
        assertThat(h.percentile(50)).isBetween(4_700L, 5_000L);
        assertThat(h.percentile(99)).isBetween(9_300L, 9_900L);
        assertThat(h.percentile(100)).isBetween(9_400L, 10_000L);
    }

    @Test
    void smallValuesAreExactAndHugeOnesClamped() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(3);
        assertThat(h.percentile(100)).isEqualTo(3);
        h.record(Long.MAX_VALUE);
        assertThat(h.percentile(100)).isPositive();
    }

    @Test
    void bucketsAreMonotonic() {
        long previous = -1;
        for (long v = 0; v < 5_000_000; v = v * 2 + 1) {
            int index = LatencyHistogram.index(v);
            long lower = LatencyHistogram.lowerBound(index);
            assertThat(lower).isLessThanOrEqualTo(v).isGreaterThanOrEqualTo(previous);
            assertThat(v - lower).isLessThanOrEqualTo(Math.max(1, v / 16));
            previous = lower;
        }
    }

    @Test
    void intervalPercentilesComeFromSnapshotDifferences() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1_000_000);
        long[] before = h.snapshot();
        h.record(10);
        assertThat(LatencyHistogram.percentile(LatencyHistogram.minus(h.snapshot(), before), 100)).isEqualTo(10);
    }
}
