package io.github.coapsink.config;

/** What the task does with a record whose delivery failed (see README, "Error handling"). */
public enum ErrorPolicy {
    /** Fail the task with the cause. Nothing after the failed record is committed. */
    THROW,
    /** Log the failure, skip the record and go on. */
    NOOP,
    /**
     * Back off {@code connect.coap.retry.interval} and send again, up to
     * {@code connect.coap.max.retries} times, for failures that can succeed later (5.xx, timeouts,
     * handshake failures); then fail the task. Permanent failures (4.xx, bad records) are not retried.
     */
    RETRY
}
