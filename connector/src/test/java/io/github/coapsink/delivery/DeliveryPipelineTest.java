package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.ManualSender;
import io.github.coapsink.config.Ordering;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DeliveryPipelineTest {

    private static final TopicPartition TP0 = new TopicPartition("t", 0);
    private static final TopicPartition TP1 = new TopicPartition("t", 1);

    private final ManualSender sender = new ManualSender();
    private final DeliveryStats stats = new DeliveryStats();

    private static SinkRecord record(int partition, long offset) {
        return new SinkRecord("t", partition, null, null, null, "v" + offset, offset);
    }

    private static OutgoingRequest request(String resource, long offset) {
        return new OutgoingRequest(resource, OutgoingRequest.Method.PUT, ("v" + offset).getBytes(), true);
    }

    private static boolean submit(DeliveryPipeline p, int partition, long offset, String resource) throws InterruptedException {
        return p.submit(record(partition, offset), request(resource, offset), 0);
    }

    @Test
    void sameLaneIsSentOneAfterTheOtherAndOtherLanesInParallel() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.PARTITION_RESOURCE, stats);
        submit(p, 0, 0, "a");
        submit(p, 0, 1, "a");
        submit(p, 0, 2, "b");
        submit(p, 1, 0, "a");
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v2", "v0");
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v2", "v0", "v1");
        assertThat(p.inFlight()).isEqualTo(3);
    }

    @Test
    void unorderedSendsEverythingAtOnce() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.NONE, stats);
        for (int i = 0; i < 5; i++) {
            submit(p, 0, i, "a");
        }
        assertThat(sender.open()).hasSize(5);
        assertThat(p.maxInFlightSeen()).isEqualTo(5);
    }

    @Test
    void windowBoundsAcceptedRecords() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 2, Ordering.NONE, stats);
        assertThat(submit(p, 0, 0, "a")).isTrue();
        assertThat(submit(p, 0, 1, "a")).isTrue();
        assertThat(p.submit(record(0, 2), request("a", 2), 20)).isFalse();
        assertThat(p.pending()).isEqualTo(2);
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        assertThat(submit(p, 0, 2, "a")).isTrue();
        assertThat(p.maxInFlightSeen()).isEqualTo(2);
    }

    @Test
    void aGroupCountsAsItsRecordsAndSucceedsOrFailsAsAWhole() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 3, Ordering.NONE, stats);
        OutgoingRequest batch = request("a", 0);
        assertThat(p.submit(List.of(record(0, 0), record(0, 1)), batch, 0)).isTrue();
        assertThat(p.submit(List.of(record(0, 2), record(0, 3)), batch, 10)).as("2 + 2 > window 3").isFalse();
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "busy"));
        Failure f = p.failures().get(0);
        assertThat(f.records()).extracting(SinkRecord::kafkaOffset).containsExactly(0L, 1L);
        assertThat(f.position()).isEqualTo("2 records t-0@0..1");
        p.resend(f);
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(2));
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(2);
        // A group larger than the window goes when nothing else is pending.
        assertThat(p.submit(List.of(record(0, 2), record(0, 3), record(0, 4), record(0, 5)), batch, 0)).isTrue();
    }

    @Test
    void committableOffsetStopsAtTheOldestOpenRecord() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.NONE, stats);
        for (int i = 0; i < 4; i++) {
            submit(p, 0, 10 + i, "a");
        }
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(10));
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        sender.sent().get(2).result().complete(SendResult.delivered("2.04"));
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(10));
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(13));
        sender.sent().get(3).result().complete(SendResult.delivered("2.04"));
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(14));
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(4);
    }

    @Test
    void aFailureStopsItsLaneUntilDroppedOrResent() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.PARTITION_RESOURCE, stats);
        submit(p, 0, 0, "a");
        submit(p, 0, 1, "a");
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "5.03 SERVICE_UNAVAILABLE"));
        List<Failure> failures = p.failures();
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).retriable()).isTrue();
        assertThat(failures.get(0).attempts()).isEqualTo(1);
        assertThat(sender.sent()).hasSize(1);
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(0));

        p.resend(failures.get(0));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v0");
        sender.sent().get(1).result().complete(SendResult.transientFailure("5.03", "again"));
        assertThat(p.failures().get(0).attempts()).isEqualTo(2);

        p.drop(p.failures().get(0));
        assertThat(p.failures()).isEmpty();
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v0", "v1");
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(1));
    }

    /**
     * A submit waiting for room returns as soon as deliveries free it, not at the end of its (here 10-minute) wait:
     * a delivery wakes a waiter once it leaves a few records of room (1 in a window of 1, 4 in one of 256), and a
     * waiting awaitIdle once nothing is left. Fails if deliveries do not wake the waiters.
     */
    @Test
    @Timeout(60)
    void deliveriesWakeAWaitingSubmitAndAWaitingAwaitIdle() throws Exception {
        for (int window : new int[] {1, 256}) {
            ManualSender wire = new ManualSender();
            DeliveryPipeline p = new DeliveryPipeline(wire, window, Ordering.NONE, stats);
            for (int i = 0; i < window; i++) {
                assertThat(p.submit(record(0, i), request("a", i), 0)).isTrue();
            }
            java.util.concurrent.CompletableFuture<Boolean> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return p.submit(record(0, window), request("a", window), 600_000);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> p.pending() == window); // nothing accepted while the window is full
            assertThat(waiting).isNotDone();
            int free = Math.min(window, 4);
            for (int i = 0; i < free; i++) {
                wire.sent().get(i).result().complete(SendResult.delivered("2.04"));
            }
            assertThat(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("window %d", window).isTrue();
            java.util.concurrent.CompletableFuture<Boolean> idle = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return p.awaitIdle(600_000);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            for (ManualSender.Sent sent : wire.sent()) {
                sent.result().complete(SendResult.delivered("2.04"));
            }
            assertThat(idle.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("idle, window %d", window).isTrue();
            assertThat(p.pending()).isZero();
        }
    }

    @Test
    @Timeout(30)
    void aFullWindowHeldByAFailureWaitsNoLongerThanAsked() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 1, Ordering.NONE, stats);
        submit(p, 0, 0, "a");
        sender.sent().get(0).result().complete(SendResult.permanent("4.04", "4.04 NOT_FOUND"));
        assertThat(p.submit(record(0, 1), request("a", 1), 50)).isFalse();
        assertThat(p.failures().get(0).retriable()).isFalse();
        p.drop(p.failures().get(0));
        assertThat(p.submit(record(0, 1), request("a", 1), 0)).as("room once the failure is dropped").isTrue();
    }

    @Test
    void recordsThatNeedNoRequestAreDoneOrWaitForADecision() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.PARTITION_RESOURCE, stats);
        p.acceptDone(record(0, 0));
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(1));
        p.acceptFailed(record(0, 1), "not JSON", null);
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(1));
        Failure f = p.failures().get(0);
        assertThat(f.request()).isNull();
        assertThatThrownBy(() -> p.resend(f)).isInstanceOf(IllegalArgumentException.class);
        p.drop(f);
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(2));
    }

    @Test
    void redeliveredRecordsAreRecognised() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.NONE, stats);
        submit(p, 0, 5, "a");
        assertThat(p.alreadyAccepted(record(0, 5))).isTrue();
        assertThat(p.alreadyAccepted(record(0, 4))).isTrue();
        assertThat(p.alreadyAccepted(record(0, 6))).isFalse();
        assertThat(p.alreadyAccepted(record(1, 0))).isFalse();
    }

    @Test
    void forgottenPartitionsAreNotCommittedAndLateAnswersIgnored() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, Ordering.PARTITION_RESOURCE, stats);
        submit(p, 0, 0, "a");
        submit(p, 1, 0, "a");
        p.forget(List.of(TP0));
        assertThat(p.pending()).isEqualTo(1);
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        Map<TopicPartition, OffsetAndMetadata> committable = p.committable();
        assertThat(committable).doesNotContainKey(TP0).containsEntry(TP1, new OffsetAndMetadata(0));
        assertThat(p.alreadyAccepted(record(0, 0))).isFalse();
        assertThat(p.inFlight()).isEqualTo(1);
    }

    /**
     * Regression (issue 9.7): closing a partition forgot its requests on the wire without cancelling them, so
     * their retransmissions went on and an older state could land after the new owner's newer one.
     */
    @Test
    void forgettingAPartitionCancelsItsRequestsOnTheWireOnly() throws Exception {
        for (Ordering ordering : Ordering.values()) {
            ManualSender wire = new ManualSender();
            DeliveryPipeline p = new DeliveryPipeline(wire, 100, ordering, stats);
            p.submit(record(0, 0), request("a", 0), 0);
            p.submit(record(0, 1), request("b", 1), 0);
            p.submit(record(1, 0), request("a", 0), 0);
            p.forget(List.of(TP0));
            assertThat(wire.sent()).as(ordering.name()).hasSize(3);
            assertThat(wire.sent().get(0).result().isCancelled()).as(ordering.name()).isTrue();
            assertThat(wire.sent().get(1).result().isCancelled()).as(ordering.name()).isTrue();
            assertThat(wire.sent().get(2).result().isCancelled()).as(ordering.name()).isFalse();
            assertThat(p.inFlight()).as(ordering.name()).isEqualTo(1);
            assertThat(p.failures()).as("a cancelled request is no failure to decide").isEmpty();
            // Reassigned: the same offsets are accepted again and are not confused with the cancelled ones.
            p.submit(record(0, 0), request("a", 0), 0);
            wire.sent().get(3).result().complete(SendResult.delivered("2.04"));
            assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(1));
        }
    }

    /** Completes the oldest open request with {@code result}. */
    private void answerOldest(SendResult result) {
        sender.open().get(0).result().complete(result);
    }

    @Test
    void requestsOverTheCongestionWindowWaitUnsentAndGoAsAnswersComeBack() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, CongestionWindow.adaptive(4, 100), Ordering.NONE, stats);
        for (int i = 0; i < 10; i++) {
            assertThat(submit(p, 0, i, "a")).as("accepted: the records window is not the congestion window").isTrue();
        }
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v1", "v2", "v3");
        assertThat(p.inFlight()).isEqualTo(4);
        assertThat(p.waiting()).isEqualTo(6);
        assertThat(p.pending()).isEqualTo(10);

        // an answer while the window was in full use: one request replaces it and the window grows by one
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(p.congestionWindow()).isEqualTo(5);
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload)
                .containsExactly("v0", "v1", "v2", "v3", "v4", "v5");
        while (!sender.open().isEmpty()) {
            assertThat(p.inFlight()).isLessThanOrEqualTo(p.congestionWindow());
            answerOldest(SendResult.delivered("2.04"));
        }
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload)
                .containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(10));
        assertThat(p.waiting()).isZero();
        assertThat(p.maxInFlightSeen()).isLessThan(10);
    }

    @Test
    void aRetransmissionA503AndATimeoutShrinkTheWindowAndNothingIsLost() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, CongestionWindow.adaptive(8, 100), Ordering.NONE, stats);
        for (int i = 0; i < 40; i++) {
            submit(p, 0, i, "a");
        }
        assertThat(p.inFlight()).isEqualTo(8);
        sender.sent().get(0).retransmit();
        sender.sent().get(1).retransmit(); // sent before the decrease: the same congestion
        assertThat(p.congestionWindow()).isEqualTo(4);
        assertThat(p.congestionWindowDecreases()).isEqualTo(1);
        assertThat(stats.retransmissions()).isEqualTo(2);
        // more than the window is on the wire: nothing new goes until fewer than the window are left
        for (int i = 0; i < 3; i++) {
            answerOldest(SendResult.delivered("2.04"));
            assertThat(sender.sent()).hasSize(8);
        }
        while (sender.sent().size() == 8) {
            answerOldest(SendResult.delivered("2.04"));
        }

        // a 5.03 to a request sent after the decrease
        int window = p.congestionWindow();
        sender.sent().get(8).result().complete(SendResult.transientFailure("5.03", "busy"));
        assertThat(p.congestionWindow()).isEqualTo(Math.max(1, window / 2));
        assertThat(p.congestionWindowDecreases()).isEqualTo(2);
        p.resend(p.failures().get(0));

        // a timeout of a request sent after that
        int n = sender.sent().size();
        while (sender.sent().size() == n) {
            answerOldest(SendResult.delivered("2.04"));
        }
        window = p.congestionWindow();
        sender.sent().get(n).result().complete(SendResult.timeout("no answer"));
        assertThat(p.congestionWindow()).isEqualTo(Math.max(1, window / 2));
        assertThat(p.congestionWindowDecreases()).isEqualTo(3);

        // the failed requests are sent again, answers come back and the window grows again
        int smallest = p.congestionWindow();
        while (!sender.open().isEmpty() || !p.failures().isEmpty()) {
            for (Failure f : p.failures()) {
                p.resend(f);
            }
            answerOldest(SendResult.delivered("2.04"));
        }
        assertThat(p.committable()).as("every record delivered").containsEntry(TP0, new OffsetAndMetadata(40));
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(40);
        assertThat(p.congestionWindow()).isGreaterThan(smallest);
        assertThat(p.congestionWindowDecreases()).isEqualTo(3);
    }

    @Test
    void aRetryGoesFirstInTheLineForTheWindow() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, CongestionWindow.adaptive(1, 100), Ordering.NONE, stats);
        submit(p, 0, 0, "a");
        submit(p, 0, 1, "a");
        submit(p, 0, 2, "a");
        sender.sent().get(0).result().complete(SendResult.transientFailure("5.03", "busy"));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v1");
        p.resend(p.failures().get(0));
        assertThat(p.waiting()).isEqualTo(2);
        sender.sent().get(1).result().complete(SendResult.delivered("2.04"));
        assertThat(sender.sent()).extracting(ManualSender.Sent::payload).containsExactly("v0", "v1", "v0", "v2");
    }

    @Test
    void aForgottenPartitionsWaitingRequestsNeverGo() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, CongestionWindow.adaptive(1, 100),
                Ordering.PARTITION_RESOURCE, stats);
        submit(p, 0, 0, "a");
        submit(p, 1, 0, "a");
        submit(p, 1, 1, "b");
        assertThat(p.waiting()).isEqualTo(2);
        p.forget(List.of(TP1));
        assertThat(p.waiting()).isZero();
        sender.sent().get(0).result().complete(SendResult.delivered("2.04"));
        assertThat(sender.sent()).hasSize(1);
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(1)).doesNotContainKey(TP1);
    }

    @Test
    void aFixedWindowPutsEveryAcceptedRecordOnTheWire() throws Exception {
        DeliveryPipeline p = new DeliveryPipeline(sender, 50, Ordering.NONE, stats);
        for (int i = 0; i < 50; i++) {
            submit(p, 0, i, "a");
        }
        sender.sent().get(0).retransmit();
        sender.sent().get(1).result().complete(SendResult.transientFailure("5.03", "busy"));
        assertThat(p.inFlight()).isEqualTo(49);
        assertThat(p.congestionWindow()).isEqualTo(50);
        assertThat(stats.retransmissions()).isEqualTo(1);
    }

    /** A clock of the test's own for round trips and early loss detection. */
    private long nanos = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final SendResult CHANGED = SendResult.delivered("2.04");

    /**
     * Sends record {@code first}, {@code second} {@code gapNanos} later, and answers {@code second} {@code thenNanos}
     * after that: {@code first} is overtaken, and deemed lost if old enough and sent early enough before.
     */
    private void overtake(DeliveryPipeline p, int first, long gapNanos, int second, long thenNanos)
            throws InterruptedException {
        submit(p, 0, first, "a");
        nanos += gapNanos;
        submit(p, 0, second, "a");
        nanos += thenNanos;
        sender.sent().get(second).result().complete(CHANGED);
    }

    /** An adaptive pipeline that has measured round trips of 1 ms: its loss delay is about 3 ms. */
    private DeliveryPipeline measured(CongestionWindow window) throws InterruptedException {
        DeliveryPipeline p = new DeliveryPipeline(sender, 100, window, Ordering.NONE, stats);
        p.useClock(() -> nanos);
        for (int i = 0; i < 8; i++) {
            submit(p, 0, i, "a");
            nanos += MS;
            answerOldest(CHANGED);
        }
        return p;
    }

    @Test
    void aRequestOvertakenByALaterAnswerIsSentAgainEarlyOnceAndShrinksTheWindowWhenAQueueBuilt() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
        // round trips grow from 1 to 12 ms: a queue builds up at the server
        for (int i = 8; i < 16; i++) {
            submit(p, 0, i, "a");
            nanos += 12 * MS;
            answerOldest(CHANGED);
        }
        int window = p.congestionWindow();
        submit(p, 0, 16, "a"); // lost on the way
        ManualSender.Sent lost = sender.sent().get(16);
        nanos += 5 * MS;
        submit(p, 0, 17, "a");
        nanos += 35 * MS;
        assertThat(lost.resentEarly()).isZero();
        sender.sent().get(17).result().complete(CHANGED); // sent 5 ms after it and answered: it is 40 ms old
        assertThat(lost.resentEarly()).as("sent again, ahead of ACK_TIMEOUT").isEqualTo(1);
        assertThat(p.congestionWindowDecreases()).isEqualTo(1);
        assertThat(p.congestionWindow()).isEqualTo(window / 2);
        assertThat(stats.retransmissions()).isEqualTo(1);
        assertThat(stats.earlyRetransmissions()).isEqualTo(1);
        assertThat(p.committable()).as("the lost one holds the commit").containsEntry(TP0, new OffsetAndMetadata(16));

        // once per request: later answers overtake it again without another resend or decrease
        for (int i = 18; i < 22; i++) {
            submit(p, 0, i, "a");
            nanos += 50 * MS;
            sender.sent().get(i).result().complete(CHANGED);
        }
        assertThat(lost.resentEarly()).isEqualTo(1);
        assertThat(p.congestionWindowDecreases()).isEqualTo(1);
        lost.result().complete(CHANGED);
        assertThat(p.committable()).containsEntry(TP0, new OffsetAndMetadata(22));
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(22);
    }

    @Test
    void aRandomLossWithoutAQueueIsSentAgainEarlyWithoutShrinkingTheWindow() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
        int window = p.congestionWindow();
        overtake(p, 8, 5 * MS, 9, MS); // 8 lost on a lossy link: round trips stay at 1 ms, no queue
        assertThat(sender.sent().get(8).resentEarly()).isEqualTo(1);
        assertThat(stats.earlyRetransmissions()).isEqualTo(1);
        assertThat(p.congestionWindowDecreases()).isZero();
        assertThat(p.congestionWindow()).isGreaterThanOrEqualTo(window);
    }

    @Test
    void noEarlyResendWithinTheLossDelayNorForAnswersToRequestsSentAlmostTogether() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
        // 9 went out half a millisecond after 8: its answer may overtake by reordering alone
        overtake(p, 8, MS / 2, 9, 20 * MS);
        assertThat(sender.sent().get(8).resentEarly()).isZero();

        submit(p, 0, 10, "a");
        nanos += 10 * MS;
        sender.sent().get(10).result().complete(CHANGED);
        // 10 went out 20.5 ms after 8 and was answered: 8 is overtaken, and at 30.5 ms older than the loss delay
        // (9's late answer widened it to about 23 ms)
        assertThat(sender.sent().get(8).resentEarly()).isEqualTo(1);
        int decreases = (int) p.congestionWindowDecreases();

        overtake(p, 11, 2 * MS, 12, MS / 2); // 11 is overtaken but only 2.5 ms old: not yet lost
        assertThat(sender.sent().get(11).resentEarly()).isZero();
        assertThat(p.congestionWindowDecreases()).isEqualTo(decreases);
    }

    @Test
    void noEarlyResendForAFixedWindowANonRequestOrABlockwiseBody() throws Exception {
        DeliveryPipeline fixed = measured(CongestionWindow.fixed(100));
        submit(fixed, 0, 8, "a");
        nanos += 10 * MS;
        submit(fixed, 0, 9, "a");
        nanos += MS;
        sender.sent().get(9).result().complete(CHANGED);
        assertThat(sender.sent().get(8).resentEarly()).as("fixed: no loss detection").isZero();
        sender.completeAll(CHANGED);

        ManualSender.Sent[] oldest = new ManualSender.Sent[2];
        OutgoingRequest[] slow = {
            new OutgoingRequest("a", OutgoingRequest.Method.PUT, "non".getBytes(), false),
            new OutgoingRequest("a", OutgoingRequest.Method.PUT, new byte[4_000], true)};
        for (int k = 0; k < slow.length; k++) {
            DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
            p.submit(record(0, 8), slow[k], 0);
            oldest[k] = sender.sent().get(sender.sent().size() - 1);
            nanos += 10 * MS;
            p.submit(record(0, 9), request("a", 9), 0);
            nanos += MS;
            sender.sent().get(sender.sent().size() - 1).result().complete(CHANGED);
            assertThat(oldest[k].resentEarly()).as(k == 0 ? "NON" : "block-wise").isZero();
            assertThat(p.congestionWindowDecreases()).isZero();
            sender.completeAll(CHANGED);
        }
    }

    @Test
    void aRetransmittedRequestsAnswerIsNoRoundTripSample() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
        int window = p.congestionWindow();
        submit(p, 0, 8, "a");
        sender.sent().get(8).retransmit(); // lost at random: Californium sent it again after ACK_TIMEOUT
        assertThat(p.congestionWindowDecreases()).isEqualTo(1);
        nanos += 2_000 * MS;
        sender.sent().get(8).result().complete(CHANGED); // 2 s after the first copy: not a round trip of 2 s
        // a later random loss: round trips are still 1 ms, so no queue is seen and the window keeps its size
        for (int i = 9; i < 12; i++) {
            submit(p, 0, i, "a");
            nanos += MS;
            answerOldest(CHANGED);
        }
        int before = p.congestionWindow();
        overtake(p, 12, 5 * MS, 13, MS); // 12 lost at random
        assertThat(sender.sent().get(12).resentEarly()).isEqualTo(1);
        assertThat(p.congestionWindowDecreases()).as("without Karn's rule SRTT would be ~250 ms: a queue")
                .isEqualTo(1);
        assertThat(p.congestionWindow()).isGreaterThanOrEqualTo(before).isLessThan(window + 8);
    }

    @Test
    void aResendAnsweredSoonerThanARoundTripWasSpuriousAndWidensTheReorderWindow() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100)); // base round trip 1 ms
        overtake(p, 8, 3 * MS, 9, MS);
        assertThat(sender.sent().get(8).resentEarly()).isEqualTo(1);
        nanos += MS / 10;
        sender.sent().get(8).result().complete(CHANGED); // 0.1 ms after the copy: the first copy's answer, late

        // sent 3 ms apart, overtaken and overdue: lost with the 2 ms reordering window, not with the doubled one
        overtake(p, 10, 3 * MS, 11, MS);
        assertThat(sender.sent().get(10).resentEarly()).isZero();
        sender.sent().get(10).result().complete(CHANGED);
        // 5 ms apart: lost
        overtake(p, 12, 5 * MS, 13, MS);
        assertThat(sender.sent().get(12).resentEarly()).isEqualTo(1);
    }

    @Test
    void aBlockwiseBodyOnTheWireDoesNotHideALossBehindIt() throws Exception {
        DeliveryPipeline p = measured(CongestionWindow.adaptive(16, 100));
        p.submit(record(0, 8), new OutgoingRequest("big", OutgoingRequest.Method.PUT, new byte[4_000], true), 0);
        nanos += MS;
        overtake(p, 9, 5 * MS, 10, MS); // answered: the block-wise body is moved out of the way
        overtake(p, 11, 5 * MS, 12, MS); // 9 is the oldest now, overtaken and overdue
        assertThat(sender.sent().get(8).resentEarly()).as("block-wise").isZero();
        assertThat(sender.sent().get(9).resentEarly()).isEqualTo(1);
    }
}
