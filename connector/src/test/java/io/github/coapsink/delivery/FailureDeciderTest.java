package io.github.coapsink.delivery;

import static io.github.coapsink.delivery.FailureDecider.Decision.FAIL_TASK;
import static io.github.coapsink.delivery.FailureDecider.Decision.REPORT;
import static io.github.coapsink.delivery.FailureDecider.Decision.RETRY;
import static io.github.coapsink.delivery.FailureDecider.Decision.SKIP;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.ErrorPolicy;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class FailureDeciderTest {

    private static final SinkRecord RECORD = new SinkRecord("t", 0, null, null, null, "{}", 5);

    private static Failure failure(boolean retriable, int attempts) {
        return Failure.of(RECORD, null, retriable, attempts, "5.03", null);
    }

    @Test
    void throwFailsOnEverythingButSendsPermanentFailuresToTheReporter() {
        FailureDecider d = new FailureDecider(ErrorPolicy.THROW, 3);
        assertThat(d.decide(failure(true, 1), false)).isEqualTo(FAIL_TASK);
        assertThat(d.decide(failure(true, 1), true)).isEqualTo(FAIL_TASK);
        assertThat(d.decide(failure(false, 0), false)).isEqualTo(FAIL_TASK);
        assertThat(d.decide(failure(false, 0), true)).isEqualTo(REPORT);
    }

    @Test
    void noopSkipsUnlessAReporterTakesPermanentFailures() {
        FailureDecider d = new FailureDecider(ErrorPolicy.NOOP, 3);
        assertThat(d.decide(failure(true, 1), false)).isEqualTo(SKIP);
        assertThat(d.decide(failure(true, 1), true)).isEqualTo(SKIP);
        assertThat(d.decide(failure(false, 0), false)).isEqualTo(SKIP);
        assertThat(d.decide(failure(false, 0), true)).isEqualTo(REPORT);
    }

    @Test
    void retryRetriesTransientFailuresUpToMaxRetriesThenGivesUp() {
        FailureDecider d = new FailureDecider(ErrorPolicy.RETRY, 3);
        assertThat(d.decide(failure(true, 1), false)).isEqualTo(RETRY);
        assertThat(d.decide(failure(true, 3), false)).isEqualTo(RETRY);
        assertThat(d.decide(failure(true, 4), false)).isEqualTo(FAIL_TASK);
        assertThat(d.decide(failure(true, 4), true)).isEqualTo(REPORT);
        assertThat(d.retriesExhausted(failure(true, 4))).isTrue();
        assertThat(d.retriesExhausted(failure(true, 3))).isFalse();
    }

    @Test
    void retryDoesNotRetryPermanentFailures() {
        FailureDecider d = new FailureDecider(ErrorPolicy.RETRY, 3);
        assertThat(d.decide(failure(false, 0), false)).isEqualTo(FAIL_TASK);
        assertThat(d.decide(failure(false, 0), true)).isEqualTo(REPORT);
    }

    @Test
    void zeroRetriesMeansTheFirstFailureIsFinal() {
        FailureDecider d = new FailureDecider(ErrorPolicy.RETRY, 0);
        assertThat(d.decide(failure(true, 1), false)).isEqualTo(FAIL_TASK);
    }
}
