package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.coapsink.embedded.ConnectDistributedCluster;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.ConnectRestClient.ConnectorStatus;
import io.github.coapsink.embedded.ConnectWorkerProcess;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testing.LogCapture;
import io.github.coapsink.testserver.CoapTestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Workers leave mid-stream: one of two in-JVM distributed workers is stopped, and a worker in a
 * child JVM is killed with SIGKILL. Every record must reach the CoAP server (at-least-once); the
 * duplicates that a failover causes are counted and printed.
 */
@Tag("reliability")
class DistributedFailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int RECORDS = 4_000;

    private static EmbeddedKafka kafka;

    private CoapTestServer server;
    private Receipts receipts;
    private ConnectDistributedCluster cluster;
    private ConnectWorkerProcess child;
    private LogCapture logs;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void startServer() {
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
        // A short answer delay keeps the stream going for several seconds, so a worker leaves mid-stream.
        server.responseDelay(Duration.ofMillis(10));
        receipts = Receipts.on(server);
        logs = LogCapture.start();
    }

    @AfterEach
    void tearDown() {
        // Symptoms of a task thread held in put() (see KnownIssuesIT): printed, not asserted.
        System.out.printf("RELIABILITY | in-JVM worker logs: %d failed graceful task stops, %d offset commit time-outs%n",
                logs.count("Graceful stop of task"), logs.count("Commit of offsets timed out"));
        logs.close();
        try {
            if (child != null) {
                child.close();
            }
        } finally {
            try {
                if (cluster != null) {
                    cluster.close();
                }
            } finally {
                server.close();
            }
        }
    }

    private Map<String, String> sinkConfig(String topic, int tasks) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", Integer.toString(tasks));
        c.put("topics", topic);
        c.put("connect.coap.uri", server.plainUri());
        c.put("connect.coap.kcql", "INSERT INTO readings SELECT * FROM " + topic);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.error.policy", "RETRY");
        c.put("connect.coap.retry.interval", "500");
        c.put("connect.coap.retry.backoff.max.ms", "2000");
        c.put("connect.coap.max.retries", "100");
        c.put("connect.coap.request.timeout.ms", "5000");
        c.put("connect.coap.ack.timeout.ms", "500");
        return c;
    }

    @Test
    void stoppingOneOfTwoWorkersMidStreamLosesNothingAndTheSurvivorRunsBothTasks() {
        String topic = "failover_stop";
        String name = "coap-failover-stop";
        kafka.createTopic(topic, 4);
        cluster = ConnectDistributedCluster.start(kafka, 2, Map.of());
        cluster.createOrUpdateConnector(name, sinkConfig(topic, 2));
        ConnectorStatus before = cluster.awaitConnectorRunning(name, 2, WAIT);
        long t0 = System.nanoTime();
        CompletableFuture<Void> producing = Records.produceInBackground(kafka, topic, 0, RECORDS);

        await().atMost(WAIT).until(() -> receipts.distinct() >= RECORDS / 5);
        int victim = cluster.workerIndexOf(before.task(0).orElseThrow().workerId());
        int survivor = 1 - victim;
        int seenAtStop = receipts.distinct();
        cluster.stopWorker(victim);
        System.out.printf("RELIABILITY | stopped worker %s after %d of %d records had arrived%n",
                cluster.workerId(victim), seenAtStop, RECORDS);
        assertThat(seenAtStop).as("the worker is stopped mid-stream").isLessThan(RECORDS);

        String survivorId = cluster.workerId(survivor);
        ConnectorStatus after = cluster.awaitStatus(name, "both tasks RUNNING on the survivor", WAIT,
                s -> s.runningWithTasks(2) && s.tasks().stream().allMatch(t -> t.workerId().equals(survivorId)));
        assertThat(after.workerId()).isEqualTo(survivorId);

        Records.await(producing);
        await().atMost(WAIT).until(() -> receipts.distinct() >= RECORDS);
        Receipts.Tally tally = receipts.tally("worker stopped (2 workers, 2 tasks, 4 partitions)", RECORDS,
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(tally.lost()).isZero();
        awaitAllCommitted(name, topic);
    }

    @Test
    void sigkillOfAChildJvmWorkerMidStreamLosesNothing() {
        String topic = "failover_kill";
        String name = "coap-failover-kill";
        kafka.createTopic(topic, 4);
        cluster = ConnectDistributedCluster.start(kafka, 1, Map.of());
        child = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties());
        String childId = child.workerId();
        String inJvmId = cluster.workerId(0);
        // Four tasks over two workers: the child gets at least one of them (connector + 4 tasks are balanced).
        cluster.createOrUpdateConnector(name, sinkConfig(topic, 4));
        cluster.awaitStatus(name, "4 tasks RUNNING, one on the child JVM", WAIT,
                s -> s.runningWithTasks(4) && s.tasks().stream().anyMatch(t -> t.workerId().equals(childId)));
        long t0 = System.nanoTime();
        CompletableFuture<Void> producing = Records.produceInBackground(kafka, topic, 0, RECORDS);

        await().atMost(WAIT).until(() -> receipts.distinct() >= RECORDS / 5);
        int seenAtKill = receipts.distinct();
        child.kill();
        long killedAt = System.nanoTime();
        System.out.printf("RELIABILITY | SIGKILL of child worker %s (pid %d) after %d of %d records had arrived%n",
                childId, child.pid(), seenAtKill, RECORDS);
        assertThat(child.isAlive()).isFalse();
        assertThat(seenAtKill).isLessThan(RECORDS);

        cluster.awaitStatus(name, "all 4 tasks RUNNING on the in-JVM worker", WAIT,
                s -> s.runningWithTasks(4) && s.tasks().stream().allMatch(t -> t.workerId().equals(inJvmId)));
        System.out.printf("RELIABILITY | tasks of the killed worker RUNNING elsewhere after %.1f s%n",
                (System.nanoTime() - killedAt) / 1e9);

        // The crashed worker comes back (a new JVM) and rejoins the group.
        child.close();
        child = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties());
        String restartedId = child.workerId();
        Records.await(producing);
        try {
            await().atMost(WAIT).until(() -> receipts.distinct() >= RECORDS);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.println("RELIABILITY | DIAG status: " + cluster.connectorStatus(name));
            try {
                var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                for (var n : server.queryNames(new javax.management.ObjectName("io.github.coapsink:type=CoapSinkTask,*"), null)) {
                    System.out.println("RELIABILITY | DIAG mbean " + n + " pending=" + server.getAttribute(n, "RecordsPending")
                            + " inflight=" + server.getAttribute(n, "RequestsInFlight") + " delivered="
                            + server.getAttribute(n, "RecordsDelivered") + " retried=" + server.getAttribute(n, "RecordsRetried"));
                }
            } catch (Exception jmx) {
                System.out.println("RELIABILITY | DIAG jmx: " + jmx);
            }
            Thread.getAllStackTraces().forEach((t, st) -> {
                if (t.getName().startsWith("task-thread-" + name)) {
                    System.out.println("RELIABILITY | DIAG thread " + t.getName() + " " + t.getState());
                    for (StackTraceElement el : st) {
                        System.out.println("RELIABILITY | DIAG   at " + el);
                    }
                }
            });
            System.out.println("RELIABILITY | DIAG distinct: " + receipts.distinct() + ", committed: "
                    + kafka.committedOffsets(ConnectRestClient.sinkGroupId(name)) + ", end: " + kafka.endOffsets(topic));
            try {
                java.util.List<String> lines = java.nio.file.Files.readAllLines(child.logFile());
                lines.subList(Math.max(0, lines.size() - 120), lines.size())
                        .forEach(l -> System.out.println("RELIABILITY | DIAG child: " + l));
            } catch (java.io.IOException io) {
                System.out.println("RELIABILITY | DIAG no child log: " + io);
            }
            throw e;
        }
        Receipts.Tally tally = receipts.tally("worker JVM killed (SIGKILL) and restarted (4 tasks, 4 partitions)",
                RECORDS, (System.nanoTime() - t0) / 1_000_000);
        assertThat(tally.lost()).isZero();
        cluster.awaitStatus(name, "4 tasks RUNNING after the restarted worker joined", WAIT, s -> s.runningWithTasks(4));
        awaitAllCommitted(name, topic);
        System.out.printf("RELIABILITY | restarted worker %s holds %d task(s)%n", restartedId,
                cluster.connectorStatus(name).tasks().stream().filter(t -> t.workerId().equals(restartedId)).count());
    }

    private void awaitAllCommitted(String name, String topic) {
        Map<TopicPartition, Long> end = kafka.endOffsets(topic);
        await().atMost(WAIT).untilAsserted(() -> assertThat(
                kafka.committedOffsets(ConnectRestClient.sinkGroupId(name))).containsAllEntriesOf(end));
    }
}
