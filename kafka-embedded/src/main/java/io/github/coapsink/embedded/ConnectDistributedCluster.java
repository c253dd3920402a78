package io.github.coapsink.embedded;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;

/**
 * N distributed Kafka Connect workers in this JVM sharing one group and one set of internal topics
 * (created up front with replication factor 1). REST helpers (inherited) go to the first live worker.
 *
 * <p>Defaults tuned for fast fault tests (all overridable): {@code scheduled.rebalance.max.delay.ms=0} (tasks of a
 * departed worker are reassigned at the next rebalance instead of after 5 minutes), worker
 * {@code session.timeout.ms=6000}/{@code heartbeat.interval.ms=1000}, sink consumers
 * {@code consumer.session.timeout.ms=6000}/{@code consumer.heartbeat.interval.ms=1000}.
 *
 * <p><b>What {@link #stopWorker(int)} means:</b> in one JVM a worker cannot be killed; stopping calls
 * {@code Connect.stop()}: REST goes away, tasks get {@code stop()} (bounded by
 * {@code task.shutdown.graceful.timeout.ms}, 2 s here), sink offsets are committed, the worker leaves the group,
 * so the survivors rebalance at once. For a real crash (no stop, no commit, no leave: the group notices only after
 * the session timeout) use {@link ConnectWorkerProcess#kill()}.
 *
 * <pre>{@code
 * try (ConnectDistributedCluster cluster = ConnectDistributedCluster.start(kafka, 2, Map.of())) {
 *     cluster.createOrUpdateConnector("sink", config);
 *     var status = cluster.awaitConnectorRunning("sink", 2, Duration.ofSeconds(30));
 *     cluster.stopWorker(cluster.workerIndexOf(status.tasks().get(0).workerId()));
 * }
 * }</pre>
 */
public final class ConnectDistributedCluster extends ConnectRestClient implements AutoCloseable {
    private static final Duration WORKER_START_TIMEOUT = Duration.ofSeconds(60);

    private final EmbeddedKafka kafka;
    private final Map<String, String> workerProps;
    private final List<Worker> workers;
    private final String groupId;
    private boolean closed;

    private record Worker(Connect<DistributedHerder> connect, URI url, Duration startup, boolean[] stopped) {
        boolean live() {
            return !stopped[0];
        }
    }

    private ConnectDistributedCluster(EmbeddedKafka kafka, Map<String, String> workerProps, String groupId,
                                      List<Worker> workers) {
        super(() -> workers.stream().filter(Worker::live).map(Worker::url).findFirst()
                .orElseThrow(() -> new IllegalStateException("No live Connect worker")));
        this.kafka = kafka;
        this.workerProps = workerProps;
        this.groupId = groupId;
        this.workers = workers;
    }

    /**
     * Creates the internal topics and starts {@code workers} workers, returning once all are healthy.
     * {@code workerOverrides} replace or add worker properties (e.g. {@code plugin.path}, converters, group.id).
     */
    public static ConnectDistributedCluster start(EmbeddedKafka kafka, int workers, Map<String, String> workerOverrides) {
        String groupId = workerOverrides.getOrDefault("group.id", "embedded-connect-" + EmbeddedKafka.randomSuffix());
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("group.id", groupId);
        overrides.put("config.storage.topic", groupId + "-configs");
        overrides.put("offset.storage.topic", groupId + "-offsets");
        overrides.put("status.storage.topic", groupId + "-status");
        overrides.put("config.storage.replication.factor", "1");
        overrides.put("offset.storage.replication.factor", "1");
        overrides.put("status.storage.replication.factor", "1");
        overrides.put("offset.storage.partitions", "5");
        overrides.put("status.storage.partitions", "1");
        overrides.put("scheduled.rebalance.max.delay.ms", "0");
        overrides.put("session.timeout.ms", "6000");
        overrides.put("heartbeat.interval.ms", "1000");
        overrides.put("consumer.session.timeout.ms", "6000");
        overrides.put("consumer.heartbeat.interval.ms", "1000");
        overrides.putAll(workerOverrides);
        Map<String, String> props = WorkerSupport.baseProps(kafka.bootstrapServers(), overrides);

        Map<String, String> compact = Map.of("cleanup.policy", "compact");
        kafka.createTopic(props.get("config.storage.topic"), 1, compact);
        kafka.createTopic(props.get("offset.storage.topic"), Integer.parseInt(props.get("offset.storage.partitions")), compact);
        kafka.createTopic(props.get("status.storage.topic"), Integer.parseInt(props.get("status.storage.partitions")), compact);

        ConnectDistributedCluster cluster = new ConnectDistributedCluster(kafka, Map.copyOf(props), groupId,
                new CopyOnWriteArrayList<>());
        try {
            for (int i = 0; i < workers; i++) {
                cluster.launch();
            }
            cluster.workers.forEach(w -> WorkerSupport.awaitHealthy(ConnectRestClient.forUrl(w.url().toString()),
                    WORKER_START_TIMEOUT));
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private int launch() {
        long t0 = System.nanoTime();
        Connect<DistributedHerder> connect = WorkerSupport.start(new ConnectDistributed(), workerProps);
        workers.add(new Worker(connect, WorkerSupport.restUrl(connect), Duration.ofNanos(System.nanoTime() - t0),
                new boolean[1]));
        return workers.size() - 1;
    }

    /** Starts one more worker in the same group; returns its index once it is healthy. */
    public synchronized int startWorker() {
        ensureOpen();
        int index = launch();
        WorkerSupport.awaitHealthy(ConnectRestClient.forUrl(workers.get(index).url().toString()), WORKER_START_TIMEOUT);
        return index;
    }

    /** Stops worker {@code index} ({@code Connect.stop()}, see class doc for how abrupt that is). Idempotent. */
    public synchronized void stopWorker(int index) {
        Worker w = workers.get(index);
        if (w.live()) {
            w.stopped()[0] = true;
            WorkerSupport.stop(w.connect());
        }
    }

    /** Number of workers ever started (indexes stay valid after a stop). */
    public int workerCount() {
        return workers.size();
    }

    /** Indexes of workers not stopped. */
    public List<Integer> liveWorkers() {
        return IntStream.range(0, workers.size()).filter(i -> workers.get(i).live()).boxed().toList();
    }

    /** REST client bound to worker {@code index}. */
    public ConnectRestClient worker(int index) {
        return ConnectRestClient.forUrl(workers.get(index).url().toString());
    }

    /** {@code worker_id} of worker {@code index} as statuses report it ({@code 127.0.0.1:port}). */
    public String workerId(int index) {
        return WorkerSupport.workerId(workers.get(index).url());
    }

    /** Index of the worker with this {@code worker_id}. */
    public int workerIndexOf(String workerId) {
        OptionalInt i = IntStream.range(0, workers.size()).filter(k -> workerId(k).equals(workerId)).findFirst();
        return i.orElseThrow(() -> new IllegalArgumentException("Unknown worker " + workerId));
    }

    /** Time each worker's {@code startConnect} took (health wait excluded). */
    public List<Duration> workerStartupDurations() {
        List<Duration> out = new ArrayList<>();
        workers.forEach(w -> out.add(w.startup()));
        return out;
    }

    /** Connect group id shared by all workers. */
    public String groupId() {
        return groupId;
    }

    /** Effective worker properties (without the per-worker listener port). */
    public Map<String, String> workerProperties() {
        return workerProps;
    }

    /** Kafka this cluster uses. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** Stops every live worker. Internal topics stay on the broker. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (int i = 0; i < workers.size(); i++) {
            try {
                stopWorker(i);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Cluster is closed");
        }
    }
}
