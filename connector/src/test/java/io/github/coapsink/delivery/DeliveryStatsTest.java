package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.send.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counts per topic stay apart however the topics interleave (the last-topic shortcut must not mix them up). */
class DeliveryStatsTest {

    @Test
    void countsInterleavedTopicsApart() {
        DeliveryStats stats = new DeliveryStats();
        for (int i = 0; i < 10; i++) {
            stats.count("a", DeliveryStats.Event.DELIVERED);
            // an equal topic name that is another String instance counts for the same topic
            stats.count(new String(new char[] {'b'}), DeliveryStats.Event.DELIVERED);
            stats.count("b", DeliveryStats.Event.DELIVERED);
        }
        stats.count("a", DeliveryStats.Event.SKIPPED);
        assertThat(stats.get("a", DeliveryStats.Event.DELIVERED)).isEqualTo(10);
        assertThat(stats.get("b", DeliveryStats.Event.DELIVERED)).isEqualTo(20);
        assertThat(stats.get("a", DeliveryStats.Event.SKIPPED)).isEqualTo(1);
        assertThat(stats.get("c", DeliveryStats.Event.SKIPPED)).isZero();
        assertThat(stats.total(DeliveryStats.Event.DELIVERED)).isEqualTo(30);
        assertThat(stats.snapshot()).containsOnlyKeys("a", "b");
        assertThat(stats.snapshot().get("a")).containsEntry(DeliveryStats.Event.DELIVERED, 10L)
                .containsEntry(DeliveryStats.Event.SKIPPED, 1L).containsEntry(DeliveryStats.Event.FAILED, 0L)
                .hasSize(DeliveryStats.Event.values().length);
    }

    @Test
    void responsesCountPerTopicAndClassAndATopicOnlyAnsweredForIsNotInTheSnapshot() {
        DeliveryStats stats = new DeliveryStats();
        stats.response("a", SendResult.delivered("2.04"));
        stats.response("b", SendResult.permanent("4.04", "x"));
        stats.response("a", SendResult.transientFailure("5.03", "x"));
        stats.response("a", SendResult.delivered("2.01"));
        stats.response("b", SendResult.timeout("x"));
        assertThat(stats.responses(ResponseClass.SUCCESS)).isEqualTo(2);
        assertThat(stats.responses("a", ResponseClass.SUCCESS)).isEqualTo(2);
        assertThat(stats.responses("a", ResponseClass.SERVER_ERROR)).isEqualTo(1);
        assertThat(stats.responses("b", ResponseClass.CLIENT_ERROR)).isEqualTo(1);
        assertThat(stats.responses("b", ResponseClass.TIMEOUT)).isEqualTo(1);
        assertThat(stats.responses("c", ResponseClass.TIMEOUT)).isZero();
        assertThat(stats.snapshot()).isEmpty();
        stats.count("b", DeliveryStats.Event.FAILED);
        assertThat(stats.snapshot()).containsOnlyKeys("b");
    }

    @Test
    void concurrentCountsFromSeveralThreadsAllLand() throws Exception {
        DeliveryStats stats = new DeliveryStats();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String topic = "t" + (t % 2);
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    stats.count(topic, DeliveryStats.Event.DELIVERED);
                    stats.count("shared", DeliveryStats.Event.DELIVERED);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        Map<String, Map<DeliveryStats.Event, Long>> snapshot = stats.snapshot();
        assertThat(snapshot.get("t0")).containsEntry(DeliveryStats.Event.DELIVERED, 20_000L);
        assertThat(snapshot.get("t1")).containsEntry(DeliveryStats.Event.DELIVERED, 20_000L);
        assertThat(snapshot.get("shared")).containsEntry(DeliveryStats.Event.DELIVERED, 40_000L);
    }
}
