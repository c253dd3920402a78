package io.github.coapsink.embedded;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Poll-with-deadline helper: waits on a condition, never for a fixed time. */
public final class Waits {
    private static final long POLL_NANOS = Duration.ofMillis(100).toNanos();

    private Waits() {
    }

    /**
     * Polls {@code probe} until it returns a present value or {@code timeout} elapses.
     * Exceptions thrown by the probe count as "not yet" and are reported on timeout.
     *
     * @throws AssertionError on timeout, naming {@code what} and the last failure seen
     */
    public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException lastError = null;
        while (true) {
            try {
                Optional<T> value = probe.get();
                if (value.isPresent()) {
                    return value.get();
                }
                lastError = null;
            } catch (RuntimeException e) {
                lastError = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                AssertionError error = new AssertionError("Timed out after " + timeout + " waiting for " + what
                        + (lastError == null ? "" : " (last error: " + lastError + ")"));
                if (lastError != null) {
                    error.initCause(lastError);
                }
                throw error;
            }
            // Pause between two polls of the condition (bounded by the deadline).
            LockSupport.parkNanos(Math.min(POLL_NANOS, left));
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("Interrupted while waiting for " + what);
            }
        }
    }

    /** Polls a boolean condition until true or {@code timeout} elapses ({@link AssertionError} on timeout). */
    public static void untilTrue(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, () -> Boolean.TRUE.equals(condition.get()) ? Optional.of(Boolean.TRUE) : Optional.empty());
    }
}
