package io.github.coapsink.delivery;

import io.github.coapsink.config.ErrorPolicy;

/**
 * The error policy as a pure function: what to do with one failed record.
 *
 * <ul>
 *   <li>A record that can never pass (4.xx, a bad record, or retries used up) goes to Connect's
 *       errant-record reporter (dead-letter queue) when one is configured, whatever the policy;
 *       otherwise NOOP skips it and THROW/RETRY fail the task.</li>
 *   <li>A retriable failure (5.xx, timeout, handshake): THROW fails the task, NOOP skips the record,
 *       RETRY sends it again after the retry interval, up to max retries.</li>
 * </ul>
 */
public final class FailureDecider {

    /** What the task does with a failure. */
    public enum Decision { REPORT, SKIP, RETRY, FAIL_TASK }

    private final ErrorPolicy policy;
    private final int maxRetries;

    public FailureDecider(ErrorPolicy policy, int maxRetries) {
        this.policy = policy;
        this.maxRetries = maxRetries;
    }

    public Decision decide(Failure failure, boolean reporterAvailable) {
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
        if (reporterAvailable) {
            return Decision.REPORT;
        }
        return policy == ErrorPolicy.NOOP ? Decision.SKIP : Decision.FAIL_TASK;
    }

    public boolean retriesExhausted(Failure failure) {
        return failure.retriable() && policy == ErrorPolicy.RETRY && failure.attempts() > maxRetries;
    }
}
