package io.github.coapsink.delivery;

/**
 * How many requests a task may have on the wire to its server at once: congestion control in the spirit of
 * RFC 7252 section 4.7, done the way TCP Reno does it (RFC 5681), counted in requests instead of bytes.
 *
 * <ul>
 * <li><b>Start small.</b> The window starts at {@link #INITIAL} requests (never more than the ceiling), so a
 * burst of records does not hit a server that has not shown yet how much it takes.</li>
 * <li><b>Grow while answers come back.</b> Each answer that carries no sign of congestion adds one request
 * (slow start: the window doubles per round trip) until the window reaches the threshold of the last decrease,
 * then one per window's worth of answers (congestion avoidance: one request more per round trip). It grows only
 * while it is the limit (as many requests on the wire as it allows), so a quiet stream does not earn a large
 * window it never tried.</li>
 * <li><b>Shrink on congestion.</b> A retransmission (a confirmable request got no answer in ACK_TIMEOUT: lost, or
 * the server too busy), a timeout, 5.03 Service Unavailable or 4.29 Too Many Requests halves the window (at
 * least 1) and makes the halved value the threshold. One decrease per round trip: a sign carried by a request
 * that was sent before the last decrease is the same congestion, already answered, and is ignored; without
 * that, a lost burst would take the window to 1 at once.</li>
 * <li><b>Stop growing while a queue builds.</b> A server that takes requests more slowly than they come queues them
 * (in its socket buffer, before it drops them), so their round trips lengthen before any is lost; a loss is heard
 * of only an ACK_TIMEOUT (2-3 s) later, when the window would long have overrun the buffer. So the window grows
 * only while the smoothed round trip (RFC 6298's SRTT) is within {@link #QUEUE_ALLOWANCE_NANOS} or one base round
 * trip, whichever is longer, of the base round trip (the shortest of the last {@link #BASE_PERIOD_NANOS} x 2: a
 * path that got longer for good is learnt again), and while fewer than {@link #QUEUE_ALLOWANCE_REQUESTS} requests
 * wait in a queue by Little's law (window x (SRTT - base) / SRTT, TCP Vegas's estimate: a socket buffer holds a
 * number of datagrams, so at 40,000 requests/s a 5 ms allowance alone would let 200 queue, as many as Linux's
 * default buffer holds). Differences under {@link #QUEUE_NOISE_NANOS} are noise. In the spirit of TCP Vegas, but
 * it only stops growth: decreases come from the signs above, so a noisy round trip never shrinks the window.</li>
 * <li><b>Hear of a loss one round trip after it.</b> The pipeline counts a request as lost when a request sent
 * after it was answered and it has gone unanswered longer than {@link #lossDelayNanos()} (RFC 6298's SRTT + 4 x
 * RTTVAR); it resends it and reports a congestion sign only if {@link #lossIsCongestion()} (a queue had built up:
 * random loss does not shrink the window). {@link #reorderWindowNanos()} is how much earlier than the answered one
 * it must have been sent; spurious resends widen it ({@link #lossDetected}). The answers of retransmitted requests
 * are no round-trip samples (Karn's rule): the pipeline calls {@link #answered(boolean)} for them.</li>
 * <li><b>Ceiling.</b> Never above {@code connect.coap.max.in.flight}.</li>
 * </ul>
 *
 * <p>{@link #fixed} is the window without adaptation: always the ceiling.
 *
 * <p>Not thread-safe: the {@link DeliveryPipeline} uses it under its lock.
 */
public final class CongestionWindow {

    /** The window an adaptive controller starts with (capped by the ceiling). */
    public static final int INITIAL = 16;
    /** Queueing delay (smoothed round trip above the base one) up to which the window may still grow. */
    static final long QUEUE_ALLOWANCE_NANOS = 5_000_000L;
    /**
     * Requests that may wait in a queue on the path (TCP Vegas's alpha) before the window stops growing: a server's
     * socket buffer holds a number of datagrams (Linux's default 208 KiB, about 200 small ones), not a time's worth.
     */
    static final int QUEUE_ALLOWANCE_REQUESTS = 32;
    /** A round trip this much above the base one is noise (scheduling, a busy client), not a queue. */
    static final long QUEUE_NOISE_NANOS = 500_000L;
    /** Early loss detection allows at least this much above the smoothed round trip and for reordering. */
    static final long MIN_LOSS_DELAY_NANOS = 2_000_000L;
    static final int MAX_REORDER_FACTOR = 16;
    static final int REORDER_DECAY_DETECTIONS = 16;
    /** The base round trip is the shortest seen in this period or the one before. */
    static final long BASE_PERIOD_NANOS = 30_000_000_000L;

    private final int max;
    private final boolean adaptive;
    private int size;
    private int threshold;
    /** Answers counted towards the next increase in congestion avoidance. */
    private int answers;
    private boolean decreasedOnce;
    private long lastDecreaseNanos;
    private long decreases;
    /** Smoothed round trip of answered requests, 0 before the first. */
    private long srttNanos;
    /** Its mean deviation (RFC 6298's RTTVAR). */
    private long rttvarNanos;
    /** How many times the base reordering window early loss detection allows ({@link #lossDetected}). */
    private int reorderFactor = 1;
    private int detectionsSinceDoubling;
    private long spuriousResends;
    private long minThisPeriod = Long.MAX_VALUE;
    private long minLastPeriod = Long.MAX_VALUE;
    private long periodStart;
    private boolean periodStarted;
    private long growthHeld;

    private CongestionWindow(int initial, int max, boolean adaptive) {
        if (max < 1) {
            throw new IllegalArgumentException("the window's ceiling must be at least 1");
        }
        this.max = max;
        this.adaptive = adaptive;
        this.size = Math.max(1, Math.min(initial, max));
        this.threshold = max;
    }

    /** A window that adapts, starting at {@link #INITIAL} requests, never above {@code max}. */
    public static CongestionWindow adaptive(int max) {
        return adaptive(INITIAL, max);
    }

    /** A window that adapts, starting at {@code initial} requests, never above {@code max}. */
    public static CongestionWindow adaptive(int initial, int max) {
        return new CongestionWindow(initial, max, true);
    }

    /** Always {@code max} requests: no adaptation. */
    public static CongestionWindow fixed(int max) {
        return new CongestionWindow(max, max, false);
    }

    public boolean adaptive() {
        return adaptive;
    }

    /** Requests allowed on the wire now: at least 1, at most {@link #max()}. */
    public int size() {
        return size;
    }

    public int max() {
        return max;
    }

    /** How often the window was made smaller since it was created. */
    public long decreases() {
        return decreases;
    }

    /**
     * A request was answered without a sign of congestion.
     *
     * @param windowFull whether as many requests as the window allows were on the wire when it was answered (only
     *     then was the window the limit, and only then does it grow)
     */
    public void answered(boolean windowFull) {
        grow(windowFull);
    }

    /**
     * A request was answered without a sign of congestion, {@code rttNanos} after it was sent, noticed at
     * {@code nowNanos}; the window grows only while no queue builds up (see the class comment).
     */
    public void answered(boolean windowFull, long rttNanos, long nowNanos) {
        if (!adaptive) {
            return;
        }
        sample(Math.max(1, rttNanos), nowNanos);
        if (windowFull && size < max && queueing()) {
            growthHeld++;
            return;
        }
        grow(windowFull);
    }

    private void sample(long rtt, long now) {
        if (!periodStarted) {
            periodStarted = true;
            periodStart = now;
        } else if (now - periodStart >= 2 * BASE_PERIOD_NANOS) {
            minLastPeriod = Long.MAX_VALUE; // no answer for two periods: what was seen before is stale
            minThisPeriod = Long.MAX_VALUE;
            periodStart = now;
        } else if (now - periodStart >= BASE_PERIOD_NANOS) {
            minLastPeriod = minThisPeriod;
            minThisPeriod = Long.MAX_VALUE;
            periodStart = now;
        }
        minThisPeriod = Math.min(minThisPeriod, rtt);
        if (srttNanos == 0) {
            srttNanos = rtt;
            rttvarNanos = rtt / 2;
        } else {
            rttvarNanos += (Math.abs(srttNanos - rtt) - rttvarNanos) / 4;
            srttNanos += (rtt - srttNanos) / 8;
        }
    }

    /**
     * Whether a loss heard of early ({@link DeliveryPipeline}'s loss detection) is a sign of congestion: only while
     * the round trips say that a queue has built up (as TCP Veno tells congestion from random loss). A datagram lost
     * at random on a lossy link, with no queue, is sent again without shrinking the window; halving on every such
     * loss, once per round trip, would take the window to 1 on a lossy radio. Losses heard of at ACK_TIMEOUT
     * (retransmissions, timeouts) always shrink it.
     */
    public boolean lossIsCongestion() {
        return adaptive && srttNanos != 0 && queueing();
    }

    /**
     * Whether the smoothed round trip says that requests queue up beyond the allowance: longer than
     * {@link #QUEUE_ALLOWANCE_NANOS} or one base round trip, or more than {@link #QUEUE_ALLOWANCE_REQUESTS} requests
     * waiting (by Little's law, the window times the share of the round trip spent above the base one).
     */
    private boolean queueing() {
        long base = baseRttNanos();
        long excess = srttNanos - base;
        if (excess <= QUEUE_NOISE_NANOS) {
            return false;
        }
        return excess > Math.max(QUEUE_ALLOWANCE_NANOS, base)
                || (double) size * excess > (double) QUEUE_ALLOWANCE_REQUESTS * srttNanos;
    }

    /** The shortest round trip of this period and the one before; {@link Long#MAX_VALUE} before any. */
    long baseRttNanos() {
        return Math.min(minThisPeriod, minLastPeriod);
    }

    long smoothedRttNanos() {
        return srttNanos;
    }

    /**
     * How long a request may go unanswered before it counts as lost, once a request sent after it was answered:
     * RFC 6298's retransmission timeout from the measured round trips (SRTT + 4 x RTTVAR, at least
     * {@link #MIN_LOSS_DELAY_NANOS} more than SRTT), far shorter than CoAP's ACK_TIMEOUT of 2-3 s. 0 while no round
     * trip was measured, or for a fixed window: no early loss detection then.
     */
    public long lossDelayNanos() {
        if (!adaptive || srttNanos == 0) {
            return 0;
        }
        return srttNanos + Math.max(4 * rttvarNanos, MIN_LOSS_DELAY_NANOS);
    }

    /**
     * How much earlier than an answered request a request must have been sent to count as overtaken (answers of
     * requests sent at nearly the same time come back in any order): a quarter of the base round trip, as TCP's RACK
     * (RFC 8985) allows for reordering, and at least {@link #MIN_LOSS_DELAY_NANOS}.
     */
    public long reorderWindowNanos() {
        long base = baseRttNanos();
        return Math.max(MIN_LOSS_DELAY_NANOS, base == Long.MAX_VALUE ? 0 : base / 4) * reorderFactor;
    }

    /**
     * A request was deemed lost early ({@code spurious}: and its answer came too soon after the copy to be the
     * copy's, so it was only late). As RACK does (RFC 8985 section 6.2), a spurious one doubles the reordering window
     * (up to {@value #MAX_REORDER_FACTOR} times), and {@value #REORDER_DECAY_DETECTIONS} detections after the last
     * doubling halve it again: a path that reorders for a while is not resent into for good.
     */
    public void lossDetected(boolean spurious) {
        if (spurious) {
            reorderFactor = Math.min(MAX_REORDER_FACTOR, reorderFactor * 2);
            detectionsSinceDoubling = 0;
            spuriousResends++;
        } else if (reorderFactor > 1 && ++detectionsSinceDoubling >= REORDER_DECAY_DETECTIONS) {
            reorderFactor /= 2;
            detectionsSinceDoubling = 0;
        }
    }

    /** Early resends found spurious since the window was created. */
    long spuriousResends() {
        return spuriousResends;
    }

    /** How many answers found the window full but a queue building, so it did not grow. */
    public long growthHeld() {
        return growthHeld;
    }

    private void grow(boolean windowFull) {
        if (!adaptive || !windowFull || size >= max) {
            return;
        }
        if (size < threshold) {
            size++;
        } else if (++answers >= size) {
            answers = 0;
            size++;
        }
    }

    /**
     * A request sent at {@code sentNanos} met congestion (retransmitted, timed out, 5.03, 4.29), noticed at
     * {@code nowNanos} (both {@link System#nanoTime()}).
     *
     * @return whether the window shrank (false when the request was sent before the last decrease)
     */
    public boolean congested(long sentNanos, long nowNanos) {
        if (!adaptive || (decreasedOnce && sentNanos - lastDecreaseNanos <= 0)) {
            return false;
        }
        threshold = Math.max(1, size / 2);
        size = threshold;
        answers = 0;
        decreasedOnce = true;
        lastDecreaseNanos = nowNanos;
        decreases++;
        return true;
    }

    @Override
    public String toString() {
        return adaptive ? "adaptive window " + size() + " of at most " + max + " (threshold " + threshold + ")"
                : "fixed window " + max;
    }
}
