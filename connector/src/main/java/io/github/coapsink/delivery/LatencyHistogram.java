package io.github.coapsink.delivery;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Request latencies in microseconds, lock-free, in log-linear buckets (16 per power of two, so a
 * percentile is within about 6 % of the true value) from 1 µs to about 18 minutes.
 */
public final class LatencyHistogram {

    private static final int SUB_BUCKET_BITS = 4;
    private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    private static final int MAGNITUDES = 31;
    private final AtomicLongArray counts = new AtomicLongArray(MAGNITUDES * SUB_BUCKETS);

    public void record(long micros) {
        counts.incrementAndGet(index(Math.max(0, micros)));
    }

    static int index(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) micros;
        }
        int magnitude = 63 - Long.numberOfLeadingZeros(micros) - SUB_BUCKET_BITS + 1;
        if (magnitude >= MAGNITUDES) {
            return MAGNITUDES * SUB_BUCKETS - 1;
        }
        int sub = (int) (micros >>> (magnitude - 1)) & (SUB_BUCKETS - 1);
        return magnitude * SUB_BUCKETS + sub;
    }

    /** The smallest value a bucket holds: the value reported for it. */
    static long lowerBound(int index) {
        int magnitude = index / SUB_BUCKETS;
        int sub = index % SUB_BUCKETS;
        if (magnitude == 0) {
            return sub;
        }
        return ((long) (SUB_BUCKETS + sub)) << (magnitude - 1);
    }

    public long[] snapshot() {
        long[] copy = new long[counts.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = counts.get(i);
        }
        return copy;
    }

    /** The p-th percentile (0 < p ≤ 100) of a snapshot, or of the difference of two; -1 without data. */
    public static long percentile(long[] counts, double p) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(total * p / 100.0);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return lowerBound(i);
            }
        }
        return lowerBound(counts.length - 1);
    }

    public static long[] minus(long[] now, long[] before) {
        long[] out = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            out[i] = now[i] - (before == null ? 0 : before[i]);
        }
        return out;
    }

    public long percentile(double p) {
        return percentile(snapshot(), p);
    }
}
