package io.github.coapsink.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.coapsink.embedded.ConnectRestClient.ConnectorStatus;
import io.github.coapsink.embedded.ConnectRestClient.TaskStatus;
import org.junit.jupiter.api.Test;

class ConnectDistributedClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void tasksMoveToSurvivorWhenAWorkerStops() {
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             ConnectDistributedCluster cluster = ConnectDistributedCluster.start(kafka, 2, Map.of())) {
            System.out.println("[timing] EmbeddedKafka start-up: " + kafka.startupDuration().toMillis()
                    + " ms, 2 distributed workers start-up (until healthy): "
                    + Duration.ofNanos(System.nanoTime() - t0).minus(kafka.startupDuration()).toMillis()
                    + " ms, startConnect per worker: " + cluster.workerStartupDurations());
            String name = "collect-dist";
            kafka.createTopic("in-dist", 2);
            cluster.createOrUpdateConnector(name, Map.of("connector.class", "CollectingSinkConnector",
                    "topics", "in-dist", "tasks.max", "2"));
            ConnectorStatus spread = cluster.awaitStatus(name, "2 tasks on 2 workers", WAIT,
                    s -> s.runningWithTasks(2) && workersOf(s).size() == 2);

            for (int i = 0; i < 10; i++) {
                kafka.send("in-dist", "k" + i, "a" + i);
            }
            Waits.untilTrue("10 records collected", WAIT, () -> CollectingSinkConnector.recordsOf(name).size() >= 10);

            int victim = cluster.workerIndexOf(spread.task(0).orElseThrow().workerId());
            int survivor = 1 - victim;
            long tStop = System.nanoTime();
            cluster.stopWorker(victim);
            assertThat(cluster.liveWorkers()).containsExactly(survivor);
            ConnectorStatus moved = cluster.awaitStatus(name, "all tasks on the survivor", WAIT,
                    s -> s.runningWithTasks(2) && workersOf(s).equals(Set.of(cluster.workerId(survivor))));
            System.out.println("[timing] tasks rebalanced to survivor after stopWorker in "
                    + Duration.ofNanos(System.nanoTime() - tStop).toMillis() + " ms");
            assertThat(moved.workerId()).isEqualTo(cluster.workerId(survivor));

            for (int i = 0; i < 10; i++) {
                kafka.send("in-dist", "k" + i, "b" + i);
            }
            Waits.untilTrue("second batch collected", WAIT, () -> CollectingSinkConnector.recordsOf(name).stream()
                    .filter(r -> String.valueOf(r.value()).startsWith("b")).count() >= 10);

            int added = cluster.startWorker();
            assertThat(cluster.liveWorkers()).containsExactlyInAnyOrder(survivor, added);
            cluster.awaitStatus(name, "tasks spread again", WAIT,
                    s -> s.runningWithTasks(2) && workersOf(s).size() == 2);
        }
    }

    private static Set<String> workersOf(ConnectorStatus s) {
        return s.tasks().stream().map(TaskStatus::workerId).collect(Collectors.toSet());
    }
}
