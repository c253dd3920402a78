package io.github.coapsink.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.coapsink.embedded.ConnectRestClient.ConnectorStatus;
import io.github.coapsink.embedded.ConnectRestClient.TaskStatus;
import org.junit.jupiter.api.Test;

class ConnectWorkerProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void killedChildJvmWorkerLosesItsTasksToTheInProcessWorker() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             ConnectDistributedCluster cluster = ConnectDistributedCluster.start(kafka, 1, Map.of());
             ConnectWorkerProcess child = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties())) {
            System.out.println("[timing] child JVM distributed worker start-up (until healthy): "
                    + child.startupDuration().toMillis() + " ms");
            assertThat(child.version()).isEqualTo("4.4.0");
            String name = "collect-proc";
            kafka.createTopic("in-proc", 2);
            cluster.createOrUpdateConnector(name, Map.of("connector.class", "CollectingSinkConnector",
                    "topics", "in-proc", "tasks.max", "2"));
            cluster.awaitStatus(name, "one task in the child JVM", WAIT,
                    s -> s.runningWithTasks(2) && workersOf(s).equals(Set.of(cluster.workerId(0), child.workerId())));

            long tKill = System.nanoTime();
            child.kill();
            assertThat(child.isAlive()).isFalse();
            ConnectorStatus moved = cluster.awaitStatus(name, "all tasks on the in-process worker", WAIT,
                    s -> s.runningWithTasks(2) && workersOf(s).equals(Set.of(cluster.workerId(0))));
            System.out.println("[timing] tasks reassigned after SIGKILL in "
                    + Duration.ofNanos(System.nanoTime() - tKill).toMillis() + " ms");
            assertThat(moved.tasks()).hasSize(2);

            for (int i = 0; i < 6; i++) {
                kafka.send("in-proc", "k" + i, "p" + i);
            }
            Waits.untilTrue("records from both partitions reach the survivor", WAIT,
                    () -> CollectingSinkConnector.recordsOf(name).stream().map(r -> r.kafkaPartition())
                            .collect(Collectors.toSet()).size() == 2
                            && CollectingSinkConnector.recordsOf(name).size() >= 6);
        }
    }

    private static Set<String> workersOf(ConnectorStatus s) {
        return s.tasks().stream().map(TaskStatus::workerId).collect(Collectors.toSet());
    }
}
