package io.github.coapsink.delivery;

import static io.github.coapsink.delivery.FailureHandler.Decision.FAIL_TASK;
import static io.github.coapsink.delivery.FailureHandler.Decision.REPORT;
import static io.github.coapsink.delivery.FailureHandler.Decision.RETRY;
import static io.github.coapsink.delivery.FailureHandler.Decision.SKIP;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.ErrorPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class FailureHandlerTest {

    private static final SinkRecord RECORD = new SinkRecord("t", 0, null, null, null, "{}", 5);
    private static final ErrantRecordReporter REPORTER = (record, error) -> CompletableFuture.completedFuture(null);

    private static Failure failure(boolean retriable, int attempts) {
        return Failure.of(RECORD, null, retriable, attempts, "5.03", null);
    }

    private static FailureHandler handler(ErrorPolicy policy, int maxRetries, boolean reporter) {
        return handler(policy, maxRetries, reporter, Duration.ofSeconds(1), Duration.ofSeconds(60), 0.0);
    }

    private static FailureHandler handler(ErrorPolicy policy, int maxRetries, boolean reporter, Duration interval,
            Duration max, double random) {
        return new FailureHandler(policy, maxRetries, interval, max, reporter ? REPORTER : null, new DeliveryStats(),
                System::nanoTime, () -> random);
    }

    @Test
    void throwFailsOnEverythingButSendsPermanentFailuresToTheReporter() {
        assertThat(handler(ErrorPolicy.THROW, 3, false).decide(failure(true, 1))).isEqualTo(FAIL_TASK);
        assertThat(handler(ErrorPolicy.THROW, 3, true).decide(failure(true, 1))).isEqualTo(FAIL_TASK);
        assertThat(handler(ErrorPolicy.THROW, 3, false).decide(failure(false, 0))).isEqualTo(FAIL_TASK);
        assertThat(handler(ErrorPolicy.THROW, 3, true).decide(failure(false, 0))).isEqualTo(REPORT);
    }

    @Test
    void noopSkipsUnlessAReporterTakesPermanentFailures() {
        assertThat(handler(ErrorPolicy.NOOP, 3, false).decide(failure(true, 1))).isEqualTo(SKIP);
        assertThat(handler(ErrorPolicy.NOOP, 3, true).decide(failure(true, 1))).isEqualTo(SKIP);
        assertThat(handler(ErrorPolicy.NOOP, 3, false).decide(failure(false, 0))).isEqualTo(SKIP);
        assertThat(handler(ErrorPolicy.NOOP, 3, true).decide(failure(false, 0))).isEqualTo(REPORT);
    }

    @Test
    void retryRetriesTransientFailuresUpToMaxRetriesThenGivesUp() {
        assertThat(handler(ErrorPolicy.RETRY, 3, false).decide(failure(true, 1))).isEqualTo(RETRY);
        assertThat(handler(ErrorPolicy.RETRY, 3, false).decide(failure(true, 3))).isEqualTo(RETRY);
        assertThat(handler(ErrorPolicy.RETRY, 3, false).decide(failure(true, 4))).isEqualTo(FAIL_TASK);
        assertThat(handler(ErrorPolicy.RETRY, 3, true).decide(failure(true, 4))).isEqualTo(REPORT);
    }

    @Test
    void retryDoesNotRetryPermanentFailures() {
        assertThat(handler(ErrorPolicy.RETRY, 3, false).decide(failure(false, 0))).isEqualTo(FAIL_TASK);
        assertThat(handler(ErrorPolicy.RETRY, 3, true).decide(failure(false, 0))).isEqualTo(REPORT);
    }

    @Test
    void zeroRetriesMeansTheFirstFailureIsFinal() {
        assertThat(handler(ErrorPolicy.RETRY, 0, false).decide(failure(true, 1))).isEqualTo(FAIL_TASK);
    }

    @Test
    void backOffDoublesFromTheIntervalUpToTheMaximum() {
        FailureHandler h = handler(ErrorPolicy.RETRY, 20, false, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.0);
        assertThat(millis(h.backoffNanos(1, 0))).isEqualTo(1_000);
        assertThat(millis(h.backoffNanos(2, 0))).isEqualTo(2_000);
        assertThat(millis(h.backoffNanos(3, 0))).isEqualTo(4_000);
        assertThat(millis(h.backoffNanos(4, 0))).isEqualTo(8_000);
        assertThat(millis(h.backoffNanos(5, 0))).isEqualTo(10_000);
        assertThat(millis(h.backoffNanos(20, 0))).isEqualTo(10_000);
    }

    @Test
    void jitterStretchesASteptByAtMostAQuarterAndNeverPassesTheMaximum() {
        FailureHandler high = handler(ErrorPolicy.RETRY, 20, false, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.999);
        assertThat(millis(high.backoffNanos(1, 0))).isBetween(1_000L, 1_250L);
        assertThat(millis(high.backoffNanos(3, 0))).isBetween(4_000L, 5_000L);
        assertThat(millis(high.backoffNanos(5, 0))).isBetween(7_500L, 10_000L);
        assertThat(millis(high.backoffNanos(12, 0))).isBetween(7_500L, 10_000L);
    }

    @Test
    void maxAgeFromTheServerIsTheShortestWait() {
        FailureHandler h = handler(ErrorPolicy.RETRY, 20, false, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.0);
        assertThat(millis(h.backoffNanos(1, 30_000))).isEqualTo(30_000);
        assertThat(millis(h.backoffNanos(4, 500))).isEqualTo(8_000);
    }

    @Test
    void aMaximumBelowTheIntervalIsTheInterval() {
        FailureHandler h = handler(ErrorPolicy.RETRY, 20, false, Duration.ofSeconds(5), Duration.ofSeconds(1), 0.0);
        assertThat(millis(h.backoffNanos(1, 0))).isEqualTo(5_000);
        assertThat(millis(h.backoffNanos(3, 0))).isEqualTo(5_000);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
