package io.github.coapsink.delivery;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.config.ErrorPolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one home of delivery failures: applies the error policy to each failure the pipeline holds, times the
 * retries of each lane (exponential back-off with jitter, at least what the server asked for with Max-Age),
 * reports to Connect's errant record reporter, logs and counts. A failing lane (one resource of one partition)
 * backs off alone: its records wait, the other lanes keep sending, and the partition's commit stops at the
 * failed record. Runs on the task thread.
 *
 * <ul>
 *   <li>A record that can never pass (4.xx, a bad record, or retries used up) goes to the errant-record
 *       reporter when there is one (errors.tolerance=all), whatever the policy; otherwise NOOP skips it and
 *       THROW/RETRY fail the task.</li>
 *   <li>A retriable failure (5.xx, 4.29, timeout, handshake): THROW fails the task, NOOP skips the record,
 *       RETRY backs off its lane and sends it again, up to max retries.</li>
 * </ul>
 */
public final class FailureHandler {

    private static final Logger log = LoggerFactory.getLogger(FailureHandler.class);

    /** What happens to one failure. */
    enum Decision { REPORT, SKIP, RETRY, FAIL_TASK }

    /** How much longer than the exponential step a retry may wait, at most, so that lanes do not retry in step. */
    private static final double JITTER = 0.25;

    private final ErrorPolicy policy;
    private final int maxRetries;
    private final long intervalNanos;
    private final long maxBackoffNanos;
    private final ErrantRecordReporter reporter;
    private final DeliveryStats stats;
    private final LongSupplier nanoClock;
    private final DoubleSupplier random;
    /** Failures whose lane backs off, and when each is sent again. */
    private final Map<Failure, Long> retryAt = new IdentityHashMap<>();

    public FailureHandler(ErrorPolicy policy, int maxRetries, Duration retryInterval, Duration maxBackoff,
            ErrantRecordReporter reporter, DeliveryStats stats, LongSupplier nanoClock, DoubleSupplier random) {
        this.policy = policy;
        this.maxRetries = maxRetries;
        this.intervalNanos = retryInterval.toNanos();
        this.maxBackoffNanos = Math.max(intervalNanos, maxBackoff.toNanos());
        this.reporter = reporter;
        this.stats = stats;
        this.nanoClock = nanoClock;
        this.random = random;
    }

    /**
     * Deals with every failure the pipeline holds: drops (reported or skipped), sends again when its lane's back-off
     * is over, or fails the task.
     *
     * @param inPut whether the task may throw or report: only put() may fail the task, and only reports made in
     *     put() are awaited by Connect before it calls preCommit (a report made in preCommit would be committed
     *     before its dead-letter write completed, and lost if that write fails)
     * @return how long until the next retry is due, in nanoseconds; {@link Long#MAX_VALUE} when none waits
     * @throws CoapDeliveryException when the policy fails the task
     */
    public long handle(DeliveryPipeline pipeline, boolean inPut) {
        long now = nanoClock.getAsLong();
        long nextDue = Long.MAX_VALUE;
        for (Failure failure : pipeline.failures()) {
            switch (decide(failure)) {
                case REPORT -> {
                    if (inPut) {
                        report(pipeline, failure);
                    }
                }
                case SKIP -> {
                    log.warn("Skipping {} (error policy NOOP): {}", failure.position(), failure.detail());
                    count(failure, DeliveryStats.Event.FAILED);
                    pipeline.drop(failure);
                }
                case FAIL_TASK -> {
                    if (inPut) {
                        count(failure, DeliveryStats.Event.FAILED);
                        throw new CoapDeliveryException(failMessage(failure), failure.cause());
                    }
                }
                case RETRY -> {
                    Long at = retryAt.get(failure);
                    if (at == null) {
                        long backoff = backoffNanos(failure.attempts(), failure.retryAfterMillis());
                        at = now + backoff;
                        retryAt.put(failure, at);
                        log.warn("Delivery of {} failed (attempt {} of {}): {}; {} backs off {} ms, other resources "
                                + "go on", failure.position(), failure.attempts(), maxRetries + 1, failure.detail(),
                                failure.laneName(), TimeUnit.NANOSECONDS.toMillis(backoff));
                    }
                    if (now - at >= 0) {
                        retryAt.remove(failure);
                        count(failure, DeliveryStats.Event.RETRIED);
                        pipeline.resend(failure);
                    } else {
                        nextDue = Math.min(nextDue, at - now);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return nextDue;
    }

    /** Forgets the retries of partitions that were revoked (the pipeline forgets their failures). */
    public void forget(Collection<TopicPartition> partitions) {
        retryAt.keySet().removeIf(f -> partitions.contains(f.partition()));
    }

    /** Whether an errant record reporter takes the records that fail for good. */
    public boolean reports() {
        return reporter != null;
    }

    Decision decide(Failure failure) {
        if (failure.retriable()) {
            switch (policy) {
                case THROW:
                    return Decision.FAIL_TASK;
                case NOOP:
                    return Decision.SKIP;
                case RETRY:
                    if (failure.attempts() <= maxRetries) {
                        return Decision.RETRY;
                    }
                    break;
                default:
                    throw new IllegalStateException("unknown policy " + policy);
            }
        }
        if (reporter != null) {
            return Decision.REPORT;
        }
        return policy == ErrorPolicy.NOOP ? Decision.SKIP : Decision.FAIL_TASK;
    }

    /**
     * The back-off before retry {@code attempt} (1 for the first): {@code retry.interval} doubled per attempt up
     * to {@code retry.backoff.max.ms}, up to a quarter longer at random so that lanes spread out, and never
     * shorter than the Max-Age the server sent with 5.03 or 4.29 (RFC 7252 section 5.9.3.4, RFC 8516).
     */
    long backoffNanos(int attempt, long retryAfterMillis) {
        long base = intervalNanos;
        for (int i = 1; i < attempt && base < maxBackoffNanos; i++) {
            base = Math.min(maxBackoffNanos, base * 2);
        }
        long jittered = base >= maxBackoffNanos
                ? (long) (maxBackoffNanos * (1 - JITTER * random.getAsDouble()))
                : Math.min(maxBackoffNanos, base + (long) (base * JITTER * random.getAsDouble()));
        return Math.max(jittered, TimeUnit.MILLISECONDS.toNanos(retryAfterMillis));
    }

    private boolean retriesExhausted(Failure failure) {
        return failure.retriable() && policy == ErrorPolicy.RETRY && failure.attempts() > maxRetries;
    }

    private void report(DeliveryPipeline pipeline, Failure failure) {
        String why = retriesExhausted(failure)
                ? "gave up after " + maxRetries + " retries: " + failure.detail() : failure.detail();
        log.warn("Sending {} to the errant record reporter: {}", failure.position(), why);
        for (SinkRecord record : failure.records()) {
            reporter.report(record, new CoapDeliveryException(why, failure.cause()));
            stats.count(record.topic(), DeliveryStats.Event.REPORTED);
        }
        pipeline.drop(failure);
    }

    private void count(Failure failure, DeliveryStats.Event event) {
        for (SinkRecord record : failure.records()) {
            stats.count(record.topic(), event);
        }
    }

    private String failMessage(Failure failure) {
        if (retriesExhausted(failure)) {
            return "Gave up on " + failure.position() + " after " + maxRetries + " retries ("
                    + CoapSinkConfig.MAX_RETRIES + "): " + failure.detail();
        }
        String hint = failure.retriable()
                ? "; set " + CoapSinkConfig.ERROR_POLICY + "=RETRY to retry such failures"
                : "; set errors.tolerance=all with errors.deadletterqueue.topic.name, or "
                        + CoapSinkConfig.ERROR_POLICY + "=NOOP, to skip such records";
        return "Could not deliver " + failure.position() + " (error policy " + policy.name() + "): "
                + failure.detail() + hint;
    }
}
