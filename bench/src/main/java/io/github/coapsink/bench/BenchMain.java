package io.github.coapsink.bench;

import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.ConnectWorkerProcess;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Projection;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The benchmark: one broker, one counting CoAP server (and libcoap's where installed), one preloaded topic;
 * scenarios run one after the other at each round-trip time, each through its own {@link DelayRelay} when the
 * RTT is above 0. See docs/benchmark.md for what each scenario does and how each number is defined. Run through
 * bench/run.sh.
 */
public final class BenchMain {
    static final String STANDALONE = "org.apache.kafka.connect.cli.ConnectStandalone";
    static final String RESOURCE = "users";
    /** Keys of the fan-out scenario unless --fanout-keys says otherwise. */
    static final int FANOUT_KEYS = 1_000;
    static final String FANOUT_RESOURCE = "\"dev/{{key}}\"";
    /** The batched scenario: the fan-out with batching by size and time (issue 12). */
    static final Map<String, String> BATCHED = Map.of("connect.coap.batch.max.records", "50",
            "connect.coap.batch.linger.ms", "50");
    static final int DEFAULT_WINDOW = 256; // CoapSinkConfig's connect.coap.max.in.flight default
    static final int BIG_UDP_BUFFER = 4 * 1024 * 1024;
    static final double HEAP_TARGET_MB = 256;

    /** Where the requests go. */
    enum Server {
        CALIFORNIUM("californium"), LIBCOAP("libcoap");

        final String label;

        Server(String label) {
            this.label = label;
        }
    }

    /** One plain Californium client configuration of the honest raw limit. */
    record RawConfig(String name, int threads, int endpoints, int window, int udpBuffer) {
        String describe() {
            return String.format(Locale.ROOT, "%d thread(s), %d endpoint(s) at a time, window %,d, UDP buffers %s",
                    threads, endpoints, window, udpBuffer > 0 ? udpBuffer / 1024 + " KiB" : "OS default");
        }
    }

    private final Options o;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final String topic = "bench_users_" + runId;
    private final List<Result> results = new ArrayList<>();
    private EmbeddedKafka kafka;
    private CountingServer counting;
    private LibcoapServer libcoap;
    private Properties tuned;
    private String relayCapacity = "–";

    BenchMain(Options o) {
        this.o = o;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.scenarios.equals(List.of("none"))) {
            return;
        }
        List<Result> results = new BenchMain(o).run();
        boolean allDelivered = results.stream().allMatch(r -> r.delivered == r.expected);
        System.exit(o.strict && !allDelivered ? 1 : 0);
    }

    /** Runs every selected scenario at every RTT; prints progress, the table and the targets; writes the chart. */
    public List<Result> run() throws Exception {
        tuned = loadTuned(o.tuned);
        boolean libcoapInstalled = LibcoapServer.binary().isPresent();
        printHeader(libcoapInstalled);
        long t0 = System.nanoTime();
        try (EmbeddedKafka k = EmbeddedKafka.start(); CountingServer s = new CountingServer();
             LibcoapServer lc = libcoapInstalled ? LibcoapServer.start() : null) {
            kafka = k;
            counting = s;
            libcoap = lc;
            log("broker %s, CoAP servers: californium %s%s", kafka.bootstrapServers(), counting.uri(),
                    libcoap == null ? ", libcoap not installed" : ", libcoap " + libcoap.uri());
            preload();
            for (int rtt : o.rttMs) {
                for (String scenario : o.scenarios) {
                    if (scenario.equals("raw")) {
                        runRawLimit(Server.CALIFORNIUM, rtt);
                        if (libcoap != null) {
                            runRawLimit(Server.LIBCOAP, rtt);
                        }
                        continue;
                    }
                    for (Server server : o.sinkServers()) {
                        if (server == Server.LIBCOAP && libcoap == null) {
                            log("%s: libcoap is not installed, skipped", scenario);
                            continue;
                        }
                        finish(runConnector(scenario, server, rtt));
                    }
                }
            }
        }
        printTable(Duration.ofNanos(System.nanoTime() - t0));
        printTargets();
        writeChart();
        return results;
    }

    private void finish(Result r) {
        r.loadAvg = loadAverage();
        results.add(r);
        log("%s: %s", r.label(), r.summary());
    }

    // ---------------------------------------------------------------- preload

    /** Record {@code id} goes to partition {@code id % partitions} with key {@code id % fanout keys}. */
    private byte[] key(int id) {
        return Integer.toString(id % o.fanoutKeys()).getBytes(StandardCharsets.UTF_8);
    }

    private void preload() {
        kafka.createTopic(topic, o.partitions);
        log("preloading %,d %s records into %s (%d partition(s), %,d keys)", o.records, o.format, topic,
                o.partitions, o.fanoutKeys());
        long t0 = System.nanoTime();
        Map<String, Object> props = Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer(props)) {
            for (int i = 0; i < o.records; i++) {
                // explicit partitions: record i is at offset i / partitions, so commits map back to record ids
                p.send(new ProducerRecord<>(topic, i % o.partitions, key(i), Users.kafkaValue(o.format, i)));
            }
            p.flush();
        }
        long end = kafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
        if (end != o.records) {
            throw new IllegalStateException("preloaded " + end + " records, wanted " + o.records);
        }
        double s = secondsSince(t0);
        log("preloaded %,d records in %.1f s (%,.0f records/s)", end, s, end / s);
    }

    // ---------------------------------------------------------------- connector scenarios

    private Map<String, String> commonConfig(String liveTopic) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("tasks.max", "1");
        c.put("topics", topic + "," + liveTopic);
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", o.format.converter);
        if (o.format == Users.ValueFormat.STRUCT) {
            c.put("value.converter.schemas.enable", "true");
        }
        return c;
    }

    private Map<String, String> connectorConfig(String scenario, String uri, String liveTopic) {
        Map<String, String> c = commonConfig(liveTopic);
        if (scenario.equals("baseline")) {
            c.put("connector.class", BaselineCoapSinkConnector.class.getName());
            c.put(BaselineCoapSinkConnector.URI, uri + "/" + RESOURCE);
            return c;
        }
        String resource = fansOut(scenario) ? FANOUT_RESOURCE : RESOURCE;
        c.put("connector.class", "io.github.coapsink.CoapSinkConnector");
        c.put("connect.coap.uri", uri);
        c.put("connect.coap.host", "127.0.0.1");
        c.put("connect.coap.kcql", "INSERT INTO " + resource + " SELECT * FROM " + topic
                + "; INSERT INTO " + resource + " SELECT * FROM " + liveTopic);
        if (baseScenario(scenario).equals("tuned")) {
            c.putAll(tunedOverrides());
        }
        if (scenario.equals("batched")) {
            c.putAll(BATCHED);
        }
        String format = payloadFormat(scenario);
        if (format != null) {
            c.put("connect.coap.payload.format", format);
        }
        return c;
    }

    /** The scenarios that address one resource per key. */
    static boolean fansOut(String scenario) {
        return scenario.equals("fanout") || scenario.equals("batched");
    }

    /**
     * The payload format a scenario sets ({@code connect.coap.payload.format}), null for the connector's default:
     * {@code cbor}, {@code senml-json}, {@code senml-cbor} (the default connector in that format) and
     * {@code default:FORMAT}, {@code tuned:FORMAT} (that scenario in a format, e.g. {@code tuned:SENML_CBOR}).
     */
    static String payloadFormat(String scenario) {
        int colon = scenario.indexOf(':');
        String f = Options.FORMAT_SCENARIOS.contains(scenario) ? scenario
                : colon < 0 ? null : scenario.substring(colon + 1);
        return f == null ? null : f.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The scenario a format scenario varies: {@code default} for {@code cbor}, {@code tuned} for {@code tuned:X}. */
    static String baseScenario(String scenario) {
        if (Options.FORMAT_SCENARIOS.contains(scenario)) {
            return "default";
        }
        int colon = scenario.indexOf(':');
        return colon < 0 ? scenario : scenario.substring(0, colon);
    }

    /** A scenario's name in the table, the chart, connector and topic names: tuned:SENML_CBOR → tuned-senml-cbor. */
    static String scenarioName(String scenario) {
        String format = payloadFormat(scenario);
        return scenario.indexOf(':') < 0 || format == null ? scenario
                : baseScenario(scenario) + "-" + format.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private Map<String, String> tunedOverrides() {
        Map<String, String> m = new LinkedHashMap<>();
        tuned.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, tuned.getProperty(k).trim()));
        return m;
    }

    private InetSocketAddress address(Server s) {
        return s == Server.CALIFORNIUM ? new InetSocketAddress("127.0.0.1", counting.port()) : libcoap.address();
    }

    private String uri(Server s) {
        return s == Server.CALIFORNIUM ? counting.uri() : libcoap.uri();
    }

    /** A relay for one scenario run when {@code rttMs > 0}; it lives at most as long as the run may. */
    private DelayRelay relay(Server server, int rttMs) {
        if (rttMs == 0) {
            return null;
        }
        return new DelayRelay(address(server), Duration.ofNanos(rttMs * 1_000_000L / 2),
                Duration.ofSeconds(o.maxSeconds + 600L));
    }

    private Result runConnector(String scenario, Server server, int rttMs) throws Exception {
        String label = scenarioName(scenario) + "-" + server.label + "-" + rttMs;
        String name = "bench-" + label + "-" + runId;
        String liveTopic = "bench_live_" + label.replace('-', '_') + "_" + runId;
        kafka.createTopic(liveTopic, 1);
        Result r = new Result(scenarioName(scenario), server, rttMs, o.records);
        long drops0 = UdpStats.receiveBufferErrors();
        Path gcLog = Files.createTempFile("bench-" + label + "-gc-", ".log");
        List<String> jvm = new ArrayList<>(
                List.of("-Xmx" + o.workerHeap, "-Xlog:gc,gc+heap+exit:file=" + gcLog + "::filecount=0"));
        // BENCH_WORKER_JAVA_OPTS adds options to each worker JVM; {label} becomes the run's label, e.g.
        // BENCH_WORKER_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/{label}.jfr,settings=profile'
        String extra = System.getenv("BENCH_WORKER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            for (String opt : extra.trim().split("\\s+")) {
                jvm.add(opt.replace("{label}", label));
            }
        }
        Map<String, String> worker = Map.of("connector.client.config.override.policy", "All");
        try (DelayRelay relay = relay(server, rttMs)) {
            String target = relay != null ? relay.uri() : uri(server);
            Map<String, String> config = connectorConfig(scenario, target, liveTopic);
            r.params = describe(config) + (relay != null ? "; via a delay relay, " + rttMs / 2.0 + " ms each way" : "");
            log("%s: starting worker JVM (%s), connector %s", label, String.join(" ", jvm), name);
            try (ConnectWorkerProcess w = ConnectWorkerProcess.start(STANDALONE, kafka, worker, jvm);
                 WorkerMetrics jmx = WorkerMetrics.attach(w.pid())) {
                CountingServer.Phase phase = counting.begin(0, o.records, false);
                long t0 = System.nanoTime();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(o.maxSeconds);
                Optional<Duration> cpu0 = cpu(w.pid());
                try (CommitWatcher commits = new CommitWatcher(ConnectRestClient.sinkGroupId(name), t0)) {
                    String failure = create(w, name, config);
                    halfway = null;
                    if (jmx != null) {
                        jmx.startSampling();
                    }
                    if (failure == null) {
                        failure = server == Server.CALIFORNIUM
                                ? watch(w, name, phase::distinct, deadline, label,
                                        fansOut(scenario) ? () -> notFannedOut(phase) : () -> null, w.pid())
                                : watch(w, name, commits::total, deadline, label, () -> null, w.pid());
                    }
                    long endNanos = System.nanoTime();
                    Optional<Duration> cpu1 = cpu(w.pid());
                    if (jmx != null) {
                        jmx.stopSampling();
                        r.clientRetransmissions = jmx.retransmissions();
                        r.clientEarlyRetransmissions = jmx.earlyRetransmissions();
                        r.windowMean = jmx.windowMean();
                        r.windowMin = jmx.windowMin();
                        r.windowMax = jmx.windowMax();
                        r.windowLast = jmx.windowLast();
                    }
                    if (server == Server.CALIFORNIUM) {
                        endNanos = phase.lastNewNanos() == 0 ? endNanos : phase.lastNewNanos();
                        r.delivered = phase.distinct();
                        r.duplicates = phase.duplicates();
                        r.retransmissions = phase.retransmissions();
                        r.paths = phase.distinctPaths();
                        r.steadyRate = steady(phase);
                        r.bytesPerRecord = phase.bytesPerRecord();
                    } else if (relay != null) {
                        r.retransmissions = relay.retransmissions().duplicates();
                    }
                    // the commits that follow the last delivery (≤ 30 s; the worker commits every 500 ms)
                    long commitDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    long want = server == Server.CALIFORNIUM ? r.delivered : o.records;
                    while (failure == null && commits.total() < want && System.nanoTime() < commitDeadline) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    commits.close();
                    r.committed = commits.total();
                    r.series = commits.series();
                    r.committedRate = commits.lastAdvanceNanos() == 0 ? 0
                            : r.committed / ((commits.lastAdvanceNanos() - t0) / 1e9);
                    if (server == Server.LIBCOAP) {
                        r.delivered = (int) Math.min(Integer.MAX_VALUE, r.committed);
                        endNanos = commits.lastAdvanceNanos() == 0 ? endNanos : commits.lastAdvanceNanos();
                    } else {
                        commitLag(r, phase, commits);
                    }
                    r.seconds = (endNanos - t0) / 1e9;
                    r.rate = r.delivered / r.seconds;
                    if (cpu0.isPresent() && cpu1.isPresent() && r.delivered > 0) {
                        r.cpuMicrosPerRecord = cpu1.get().minus(cpu0.get()).toNanos() / 1e3 / r.delivered;
                    }
                    Halfway half = halfway;
                    if (half != null && cpu1.isPresent() && r.delivered > half.records()) {
                        r.cpuMicrosPerRecordWarm = cpu1.get().minus(half.cpu()).toNanos() / 1e3
                                / (r.delivered - half.records());
                    }
                    if (failure != null) {
                        r.status = failure;
                    } else if (r.delivered < r.expected) {
                        r.status = "stopped at --max-seconds " + o.maxSeconds;
                    } else if (fansOut(scenario) && server == Server.CALIFORNIUM
                            && r.paths != Math.min(o.fanoutKeys(), o.records)) {
                        r.status = String.format(Locale.ROOT, "fan-out not applied: %,d resource path(s) at the server,"
                                + " %,d expected (the templates of issue 10 are not in this build)", r.paths,
                                Math.min(o.fanoutKeys(), o.records));
                    } else {
                        r.status = "ok";
                        if (o.latencySeconds > 0 && server == Server.CALIFORNIUM) {
                            latencyPhase(r, (id, valueMillis) -> sendLive(liveTopic, id, valueMillis), null);
                        }
                    }
                    if (failure == null) {
                        String late = taskFailure(w, name);
                        if (late != null) {
                            r.status += "; then " + late;
                        }
                    }
                }
            }
            if (relay != null) {
                r.relayStats = relay.stats();
            }
        } finally {
            r.udpDrops = UdpStats.receiveBufferErrors() - drops0;
            GcLog gc = GcLog.parse(gcLog);
            r.heapPeakMb = gc.peakUsedMb();
            r.heapLiveMb = gc.maxLiveMb();
            r.gcCount = gc.collections();
            Files.deleteIfExists(gcLog);
        }
        return r;
    }

    /**
     * The fan-out scenario ends early when the records do not spread over the keys' resources: records go round-robin
     * over the 1,000 keys, so once 1,200 have arrived every path should have been seen. Null while it looks right.
     */
    private String notFannedOut(CountingServer.Phase phase) {
        int keys = Math.min(o.fanoutKeys(), 1_000);
        if (phase.distinct() >= keys + 200 && phase.distinctPaths() < keys) {
            return String.format(Locale.ROOT, "fan-out not applied: %,d resource path(s) at the server after %,d "
                    + "records, %,d expected (the connector sent them to fewer resources than keys); stopped early",
                    phase.distinctPaths(), phase.distinct(), keys);
        }
        return null;
    }

    /** Creates the connector; a rejected config is this scenario's failure, not the run's. */
    private static String create(ConnectRestClient w, String name, Map<String, String> config) {
        try {
            w.createOrUpdateConnector(name, config);
            return null;
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            return "connector rejected the config: " + (m.length() > 300 ? m.substring(0, 300) + "…" : m);
        }
    }

    /** Process CPU time (user + system) of a process, from /proc through ProcessHandle. */
    /** The worker's CPU when half the records had arrived: the second half's CPU per record leaves out warm-up. */
    private record Halfway(long records, Duration cpu) {
    }

    private volatile Halfway halfway;

    static Optional<Duration> cpu(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration());
    }

    /**
     * Waits until {@code progress} reaches the record count, the task failed, or the deadline; returns a failure
     * description or null.
     */
    private String watch(ConnectRestClient w, String name, LongSupplier progress, long deadline, String label,
                         Supplier<String> check, long pid) {
        long nextStatus = 0;
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (progress.getAsLong() < o.records) {
            if (halfway == null) {
                long done = progress.getAsLong();
                if (done >= o.records / 2) {
                    Optional<Duration> cpu = cpu(pid);
                    if (cpu.isPresent()) {
                        halfway = new Halfway(done, cpu.get());
                    }
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            long now = System.nanoTime();
            if (now > deadline) {
                return null;
            }
            if (now > nextStatus) {
                nextStatus = now + TimeUnit.SECONDS.toNanos(1);
                String f = taskFailure(w, name);
                if (f == null) {
                    f = check.get();
                }
                if (f != null) {
                    return f;
                }
            }
            if (now > nextProgress) {
                nextProgress = now + TimeUnit.SECONDS.toNanos(10);
                log("%s: %,d/%,d records", label, progress.getAsLong(), o.records);
            }
        }
        return null;
    }

    private static String taskFailure(ConnectRestClient w, String name) {
        try {
            ConnectRestClient.ConnectorStatus st = w.connectorStatus(name);
            for (ConnectRestClient.TaskStatus t : st.tasks()) {
                if ("FAILED".equals(t.state())) {
                    return "task FAILED: " + rootCause(t.trace());
                }
            }
            if ("FAILED".equals(st.state())) {
                return "connector FAILED: " + rootCause(st.trace());
            }
        } catch (RuntimeException e) {
            // not registered yet
        }
        return null;
    }

    /** The last "Caused by" line of a stack trace (or its first line), shortened. */
    static String rootCause(String trace) {
        if (trace == null) {
            return "(no trace)";
        }
        String first = trace.lines().findFirst().orElse("");
        if (trace.contains("message IDs exhausted")) { // the ceiling: say so even when the message is long
            int colon = first.indexOf(':');
            return (colon > 0 ? first.substring(0, colon) : "exception") + ": … automatic message IDs exhausted";
        }
        String best = first;
        for (String line : (Iterable<String>) trace.lines()::iterator) {
            if (line.startsWith("Caused by: ")) {
                best = line.substring("Caused by: ".length());
            }
        }
        return best.length() > 160 ? best.substring(0, 160) + "…" : best;
    }

    /**
     * The consumer group's committed offsets of the preloaded topic, polled every 100 ms from connector creation:
     * the committed-offset curve, and for each record the first poll that saw it committed.
     */
    private final class CommitWatcher implements AutoCloseable {
        private final String group;
        private final long t0;
        private final long[] committedAt = new long[o.records];
        private final long[] offsets = new long[o.partitions];
        private final List<double[]> series = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile long total;
        private volatile long lastAdvanceNanos;
        private volatile boolean stopped;

        CommitWatcher(String group, long t0) {
            this.group = group;
            this.t0 = t0;
            series.add(new double[] {0, 0});
            thread = new Thread(this::loop, "bench-commit-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (!stopped) {
                poll();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            poll();
        }

        private void poll() {
            Map<TopicPartition, Long> c;
            try {
                c = kafka.committedOffsets(group);
            } catch (RuntimeException e) {
                return; // the group may not exist yet
            }
            long now = System.nanoTime();
            long sum = 0;
            synchronized (this) {
                for (Map.Entry<TopicPartition, Long> e : c.entrySet()) {
                    if (!e.getKey().topic().equals(topic)) {
                        continue;
                    }
                    int p = e.getKey().partition();
                    long to = Math.min(e.getValue(), (o.records - p + o.partitions - 1L) / o.partitions);
                    for (long off = offsets[p]; off < to; off++) {
                        committedAt[(int) (off * o.partitions + p)] = now;
                    }
                    offsets[p] = Math.max(offsets[p], to);
                }
                for (long off : offsets) {
                    sum += off;
                }
            }
            if (sum > total) {
                lastAdvanceNanos = now;
                total = sum;
            }
            series.add(new double[] {(now - t0) / 1e9, sum});
        }

        long total() {
            return total;
        }

        long lastAdvanceNanos() {
            return lastAdvanceNanos;
        }

        synchronized long committedAt(int id) {
            return committedAt[id];
        }

        List<double[]> series() {
            synchronized (series) {
                return new ArrayList<>(series);
            }
        }

        @Override
        public void close() {
            if (!stopped) {
                stopped = true;
                LockSupport.unpark(thread);
                try {
                    thread.join(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Commit lag = the first poll that saw a record's offset committed − the record's first arrival at the server. */
    private static void commitLag(Result r, CountingServer.Phase phase, CommitWatcher commits) {
        long[] lags = new long[r.expected];
        int n = 0;
        for (int id = 0; id < r.expected; id++) {
            long a = phase.arrivalNanos(id);
            long c = commits.committedAt(id);
            if (a != 0 && c != 0) {
                lags[n++] = c - a;
            } else if (c != 0) {
                r.committedNotDelivered++;
            }
        }
        r.commitLagCount = n;
        if (n > 0) {
            long[] sorted = Arrays.copyOf(lags, n);
            Arrays.sort(sorted);
            r.commitLagP50 = percentile(sorted, 50) / 1e6;
            r.commitLagP99 = percentile(sorted, 99) / 1e6;
        }
    }

    private static long percentile(long[] sorted, double p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private KafkaProducer<byte[], byte[]> liveProducer;

    private void sendLive(String liveTopic, int id, long timestampMillis) {
        liveProducer.send(new ProducerRecord<>(liveTopic, null, timestampMillis, key(id),
                Users.kafkaValue(o.format, id)));
    }

    // ---------------------------------------------------------------- latency phase (shared by all scenarios)

    /**
     * A fixed-rate phase after the throughput phase: {@code rate = min(--latency-rate, half the measured throughput)}
     * records/s for {@code --latency-seconds}. Each record gets its timestamp (Kafka CreateTime, or the send time for
     * raw) when it is produced; latency = server receipt − that moment. Against the counting server only.
     */
    private void latencyPhase(Result r, LiveSender sender, RawClient raw) throws Exception {
        int rate = (int) Math.max(1, Math.min(o.latencyRate, r.rate / 2));
        int count = Math.max(1, rate * o.latencySeconds);
        r.latencyRate = rate;
        CountingServer.Phase phase = counting.begin(o.records, count, true);
        long period = 1_000_000_000L / rate;
        long start = System.nanoTime();
        if (raw != null) {
            byte[][] payloads = new byte[count][];
            RecordEncoder enc = new RecordEncoder(PlainStringPolicy.FAIL);
            for (int j = 0; j < count; j++) {
                payloads[j] = enc.encode(Users.SCHEMA, Users.struct(o.records + j), Projection.all());
            }
            long s2 = System.nanoTime();
            raw.send(payloads, count, j -> {
                pace(s2 + j * period);
                phase.created(o.records + j, System.nanoTime());
            }, s2 + TimeUnit.SECONDS.toNanos(o.latencySeconds + 30L));
        } else {
            liveProducer = kafka.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"));
            try {
                for (int j = 0; j < count; j++) {
                    pace(start + j * period);
                    int id = o.records + j;
                    long ms = System.currentTimeMillis();
                    phase.created(id, System.nanoTime());
                    sender.send(id, ms);
                }
                liveProducer.flush();
            } finally {
                liveProducer.close();
            }
        }
        phase.awaitComplete(30_000);
        r.latencyCount = phase.distinct();
        r.latencyExpected = count;
        r.p50 = phase.latencyMillis(50);
        r.p99 = phase.latencyMillis(99);
    }

    /** Records/s between the first and the last new record at the server (start-up excluded). */
    private static double steady(CountingServer.Phase p) {
        long span = p.lastNewNanos() - p.firstNanos();
        return p.distinct() < 2 || span <= 0 ? Double.NaN : (p.distinct() - 1) / (span / 1e9);
    }

    private static void pace(long targetNanos) throws InterruptedException {
        long wait;
        while ((wait = targetNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    // ---------------------------------------------------------------- the honest raw limit

    /** The plain Californium client configurations the raw limit is the best of. */
    List<RawConfig> rawConfigs() {
        int tunedEndpoints = Integer.parseInt(tuned.getProperty("connect.coap.endpoints", "8").trim());
        int tunedWindow = Integer.parseInt(tuned.getProperty("connect.coap.max.in.flight", "1024").trim());
        List<RawConfig> all = new ArrayList<>(List.of(
                // a server's socket buffer (the OS default, ~208 KiB) holds a small burst: libcoap's needs this one
                new RawConfig("raw-a", 1, 1, 64, 0),
                new RawConfig("raw-b", 1, 1, DEFAULT_WINDOW, BIG_UDP_BUFFER),
                new RawConfig("raw-c", 2, 8, 1024, BIG_UDP_BUFFER),
                new RawConfig("raw-d", 2, tunedEndpoints, Math.max(tunedWindow, 4096), BIG_UDP_BUFFER)));
        if (o.rawWindow != null || o.rawEndpoints != null) {
            all.add(new RawConfig("raw-x", 1, o.rawEndpoints == null ? 1 : o.rawEndpoints,
                    o.rawWindow == null ? DEFAULT_WINDOW : o.rawWindow, o.rawUdpBuffer));
        }
        if (o.rawConfigs.isEmpty()) {
            return all;
        }
        return all.stream().filter(c -> o.rawConfigs.contains(c.name())).toList();
    }

    private void runRawLimit(Server server, int rttMs) throws Exception {
        log("raw (%s, RTT %d ms): encoding %,d payloads", server.label, rttMs, o.records);
        RecordEncoder enc = new RecordEncoder(PlainStringPolicy.FAIL);
        byte[][] payloads = new byte[o.records][];
        for (int i = 0; i < o.records; i++) {
            payloads[i] = enc.encode(Users.SCHEMA, Users.struct(i), Projection.all());
        }
        List<Result> group = new ArrayList<>();
        for (RawConfig c : rawConfigs()) {
            Result r = runRaw(c, server, rttMs, payloads);
            finish(r);
            group.add(r);
        }
        Result best = group.stream().max(Comparator.comparingDouble(Result::compareRate)).orElseThrow();
        best.rawLimit = true;
        if (server == Server.CALIFORNIUM && best.delivered == best.expected && o.latencySeconds > 0) {
            // the latency of the best configuration, fresh endpoints (fresh message IDs)
            RawConfig c = best.rawConfig;
            try (DelayRelay relay = relay(server, rttMs);
                 RawClient raw = new RawClient((relay != null ? relay.uri() : uri(server)) + "/" + RESOURCE,
                         c.endpoints(), c.window(), c.udpBuffer(), c.threads())) {
                latencyPhase(best, null, raw);
            }
        }
    }

    private Result runRaw(RawConfig c, Server server, int rttMs, byte[][] payloads) throws Exception {
        Result r = new Result(c.name(), server, rttMs, o.records);
        r.rawConfig = c;
        r.params = "Californium client only: " + c.describe();
        long drops0 = UdpStats.receiveBufferErrors();
        try (DelayRelay relay = relay(server, rttMs);
             RawClient raw = new RawClient((relay != null ? relay.uri() : uri(server)) + "/" + RESOURCE,
                     c.endpoints(), c.window(), c.udpBuffer(), c.threads())) {
            if (relay != null) {
                r.params += "; via a delay relay, " + rttMs / 2.0 + " ms each way";
            }
            CountingServer.Phase phase = counting.begin(0, o.records, false);
            long t0 = System.nanoTime();
            Optional<Duration> cpu0 = cpu(ProcessHandle.current().pid());
            Thread sampler = sampler(r, raw::answered, t0);
            raw.send(payloads, o.records, null, t0 + TimeUnit.SECONDS.toNanos(o.maxSeconds));
            Optional<Duration> cpu1 = cpu(ProcessHandle.current().pid());
            long endNanos = System.nanoTime();
            sampler.interrupt();
            sampler.join(5_000);
            r.series.add(new double[] {(System.nanoTime() - t0) / 1e9, raw.answered()});
            if (server == Server.CALIFORNIUM) {
                phase.awaitComplete(2_000);
                endNanos = phase.lastNewNanos() == 0 ? endNanos : phase.lastNewNanos();
                r.delivered = phase.distinct();
                r.duplicates = phase.duplicates();
                r.retransmissions = phase.retransmissions();
                r.steadyRate = steady(phase);
                r.bytesPerRecord = phase.bytesPerRecord();
            } else {
                r.delivered = (int) raw.answered();
                r.retransmissions = relay != null ? relay.retransmissions().duplicates() : raw.retransmissions();
            }
            r.seconds = (endNanos - t0) / 1e9;
            r.rate = r.delivered / r.seconds;
            if (server == Server.LIBCOAP) {
                r.steadyRate = r.rate;
            }
            if (cpu0.isPresent() && cpu1.isPresent() && r.delivered > 0) {
                r.cpuMicrosPerRecord = cpu1.get().minus(cpu0.get()).toNanos() / 1e3 / r.delivered;
                r.cpuIsBenchJvm = true;
            }
            r.status = raw.firstError() != null ? "client error: " + raw.firstError()
                    : r.delivered == r.expected ? "ok" : "stopped at --max-seconds " + o.maxSeconds;
            if (relay != null) {
                r.relayStats = relay.stats();
            }
        }
        r.udpDrops = UdpStats.receiveBufferErrors() - drops0;
        return r;
    }

    /** Samples {@code progress} every 100 ms into {@code r.series} until interrupted. */
    private static Thread sampler(Result r, LongSupplier progress, long t0) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                r.series.add(new double[] {(System.nanoTime() - t0) / 1e9, progress.getAsLong()});
                try {
                    Thread.sleep(100); // a sampling period, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-raw-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---------------------------------------------------------------- output

    private void printHeader(boolean libcoapInstalled) throws IOException {
        System.out.println("# CoAP sink benchmark " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf(Locale.ROOT, "machine: %d cores, %s; bench JVM %s %s%n",
                Runtime.getRuntime().availableProcessors(), memory(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.println("parameters: " + o);
        System.out.println("load average before the run (1/5/15 min; other processes share the cores): "
                + loadAverage());
        System.out.println("tuned overrides (" + o.tuned + "): " + tunedOverrides());
        System.out.println("libcoap coap-server-notls: " + (libcoapInstalled ? LibcoapServer.binary().get()
                : "not installed (raw runs against it are left out)"));
        if (o.rttMs.stream().anyMatch(r -> r > 0)) {
            DelayRelay.Capacity c = DelayRelay.measureCapacity(Duration.ofMillis(1), 50_000, 100, 2_000,
                    Duration.ofSeconds(30));
            relayCapacity = c.toString();
            System.out.println("delay relay capacity (1 ms each way, 100-byte datagrams, window 2,000, one client, "
                    + "same JVM as the echo): " + relayCapacity);
        }
    }

    private static String memory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return String.format(Locale.ROOT, "%.1f GiB RAM", sun.getTotalMemorySize() / (1024.0 * 1024 * 1024));
        }
        return "RAM unknown";
    }

    private Optional<Result> find(String scenario, Server server, int rtt) {
        return results.stream().filter(r -> r.scenario.equals(scenario) && r.server == server && r.rttMs == rtt)
                .findFirst();
    }

    private Optional<Result> rawLimit(Server server, int rtt) {
        return results.stream().filter(r -> r.rawLimit && r.server == server && r.rttMs == rtt).findFirst();
    }

    private void printTable(Duration total) {
        System.out.println();
        System.out.printf(Locale.ROOT, "## Results: %,d records, %d partition(s), %s values, RTT %s ms, total %.0f s%n%n",
                o.records, o.partitions, o.format, o.rttMs, total.toMillis() / 1000.0);
        System.out.println("| scenario | server | RTT ms | delivered | time s | records/s | steady rec/s | committed rec/s "
                + "| × baseline | % of raw limit | worker CPU µs/record (2nd half) | retrans. | sink retrans. "
                + "| window mean (min–max) / last | commit lag p50 / p99 ms "
                + "| latency p50 / p99 ms (at) | worker heap peak / max live MB | UDP drops (host) | bytes/record "
                + "| status |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
                + "|---|");
        for (Result r : results) {
            Optional<Result> base = find("baseline", r.server, r.rttMs);
            Optional<Result> raw = rawLimit(r.server, r.rttMs);
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %,d / %,d | %.1f | %,.0f | %s | %s | %s | %s | %s | %s | %s "
                            + "| %s | %s | %s | %s | %s | %s | %s |%n",
                    r.label(), r.server.label, r.rttMs, r.delivered, r.expected, r.seconds, r.rate,
                    num(r.steadyRate), r.rawConfig != null ? "–" : num(r.committedRate),
                    base.filter(b -> b.compareRate() > 0)
                            .map(b -> String.format(Locale.ROOT, "%.1f×", r.compareRate() / b.compareRate())).orElse("–"),
                    raw.filter(x -> x.compareRate() > 0)
                            .map(x -> String.format(Locale.ROOT, "%.0f%%", 100 * r.compareRate() / x.compareRate()))
                            .orElse("–"),
                    Double.isNaN(r.cpuMicrosPerRecord) ? "–"
                            : String.format(Locale.ROOT, "%.0f%s", r.cpuMicrosPerRecord, r.cpuIsBenchJvm ? "*" : "")
                                    + (Double.isNaN(r.cpuMicrosPerRecordWarm) ? ""
                                            : String.format(Locale.ROOT, " (%.0f)", r.cpuMicrosPerRecordWarm)),
                    r.retransmissions < 0 ? "–" : String.format(Locale.ROOT, "%,d", r.retransmissions),
                    r.clientRetransmissions < 0 ? "–" : String.format(Locale.ROOT, "%,d", r.clientRetransmissions)
                            + (r.clientEarlyRetransmissions > 0
                                    ? String.format(Locale.ROOT, " (%,d early)", r.clientEarlyRetransmissions) : ""),
                    Double.isNaN(r.windowMean) ? "–" : String.format(Locale.ROOT, "%.0f (%d–%d) / %d", r.windowMean,
                            r.windowMin, r.windowMax, r.windowLast),
                    Double.isNaN(r.commitLagP50) ? "–" : fmt(r.commitLagP50) + " / " + fmt(r.commitLagP99),
                    r.latencyRate == 0 ? "–" : String.format(Locale.ROOT, "%s / %s (%,d/s, %,d/%,d)", fmt(r.p50),
                            fmt(r.p99), r.latencyRate, r.latencyCount, r.latencyExpected),
                    Double.isNaN(r.heapPeakMb) ? "– (no worker)"
                            : String.format(Locale.ROOT, "%.0f / %.0f (%d GCs)", r.heapPeakMb, r.heapLiveMb, r.gcCount),
                    r.udpDrops < 0 ? "?" : String.format(Locale.ROOT, "%,d", r.udpDrops),
                    Double.isNaN(r.bytesPerRecord) ? "–" : String.format(Locale.ROOT, "%.1f", r.bytesPerRecord),
                    r.status.replace("|", "/"));
        }
        System.out.println();
        System.out.println("`*` raw rows: CPU of the bench JVM per record (the client, plus the counting server when it is "
                + "the target, plus the idle broker), not of a worker. ★ = the best raw configuration at that RTT and "
                + "server: the honest raw limit. Ratios use steady rec/s where the server counts, else committed rec/s "
                + "(sink on libcoap) or answered rec/s (raw on libcoap). bytes/record: request body bytes per record at the "
                + "counting server, a batch's framing shared out (– where libcoap is the server). sink retrans. = the CoAP "
                + "retransmissions the sink task counted itself (its CoapRetransmissions metric, over the worker's JMX; "
                + "early: of those, requests its loss detection sent again ahead of ACK_TIMEOUT); "
                + "window = its congestion window (CongestionWindow), sampled every 200 ms during the throughput phase: "
                + "mean (min–max) / at its end.");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "- %s (%s, RTT %d ms): %s; load average after: %s%s%s%s%n", r.label(),
                    r.server.label, r.rttMs, r.params, r.loadAvg,
                    r.commitLagCount > 0 ? String.format(Locale.ROOT, "; commit lag over %,d records", r.commitLagCount)
                            : "",
                    r.committedNotDelivered > 0 ? String.format(Locale.ROOT,
                            "; %,d records committed that the server never saw", r.committedNotDelivered) : "",
                    r.relayStats == null ? "" : "; relay: " + r.relayStats);
        }
    }

    /** The targets, met or not, from this run's numbers. */
    private void printTargets() {
        System.out.println();
        System.out.println("## Targets (steady rec/s; this run)");
        System.out.println();
        System.out.println("| target | RTT ms | measured | met? |");
        System.out.println("|---|---:|---|---|");
        for (int rtt : o.rttMs) {
            for (Server s : Server.values()) {
                Optional<Result> limit = rawLimit(s, rtt);
                Optional<Result> tunedR = find("tuned", s, rtt);
                Optional<Result> fan = find("fanout", s, rtt);
                Optional<Result> base = find("baseline", s, rtt);
                if (limit.isPresent()) {
                    double best = results.stream().filter(r -> r.server == s && r.rttMs == rtt && r.rawConfig == null)
                            .mapToDouble(Result::compareRate).max().orElse(Double.NaN);
                    if (!Double.isNaN(best)) {
                        target("honest raw limit (" + s.label + ") ≥ the sink's best", rtt,
                                String.format(Locale.ROOT, "%s %,.0f/s vs best sink scenario %,.0f/s",
                                        limit.get().label(), limit.get().compareRate(), best),
                                limit.get().compareRate() >= best);
                    }
                }
                if (tunedR.isPresent() && limit.isPresent()) {
                    double ratio = tunedR.get().compareRate() / limit.get().compareRate();
                    target("tuned single-record ≥ 80 % of the honest raw limit (" + s.label + ")", rtt,
                            String.format(Locale.ROOT, "%,.0f / %,.0f = %.0f %%", tunedR.get().compareRate(),
                                    limit.get().compareRate(), 100 * ratio), ratio >= 0.8);
                }
                if (fan.isPresent() && tunedR.isPresent()) {
                    boolean ok = fan.get().status.equals("ok");
                    double ratio = fan.get().compareRate() / tunedR.get().compareRate();
                    target("fan-out at defaults ≥ 80 % of tuned (" + s.label + ")", rtt, ok
                                    ? String.format(Locale.ROOT, "%,.0f / %,.0f = %.0f %%", fan.get().compareRate(),
                                    tunedR.get().compareRate(), 100 * ratio)
                                    : "fan-out did not run: " + fan.get().status, ok && ratio >= 0.8);
                }
                if (rtt == 20 && fan.isPresent() && base.isPresent()) {
                    boolean ok = fan.get().status.equals("ok");
                    double ratio = fan.get().compareRate() / base.get().compareRate();
                    target("fan-out at defaults ≥ 100× the old design (" + s.label + ")", rtt, ok
                                    ? String.format(Locale.ROOT, "%,.0f / %,.0f = %.0f×", fan.get().compareRate(),
                                    base.get().compareRate(), ratio)
                                    : "fan-out did not run: " + fan.get().status, ok && ratio >= 100);
                }
            }
        }
        double heap = results.stream().mapToDouble(r -> r.heapPeakMb).filter(d -> !Double.isNaN(d)).max()
                .orElse(Double.NaN);
        if (!Double.isNaN(heap)) {
            target("worker heap peak < 256 MB (at " + String.format(Locale.ROOT, "%,d", o.records) + " records)",
                    -1, String.format(Locale.ROOT, "%.0f MB (highest of all worker runs)", heap), heap < HEAP_TARGET_MB);
        }
    }

    private static void target(String what, int rtt, String measured, boolean met) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", what, rtt < 0 ? "all" : Integer.toString(rtt),
                measured.replace("|", "/"), met ? "**met**" : "**not met**");
    }

    private void writeChart() {
        List<BenchChart.Bar> bars = new ArrayList<>();
        List<BenchChart.Line> lines = new ArrayList<>();
        for (Result r : results) {
            if (r.rawConfig != null && !r.rawLimit) {
                continue;
            }
            if (r.scenario.equals("fanout") && !r.status.equals("ok")) {
                continue; // not a fan-out (yet): its rate would mislead
            }
            // one bar group per scenario and server, one series per RTT
            String scenario = (r.rawLimit ? "raw limit" : r.scenario)
                    + (r.server == Server.CALIFORNIUM ? "" : " (" + r.server.label + ")");
            String series = "RTT " + r.rttMs + " ms";
            bars.add(new BenchChart.Bar(scenario, series, r.compareRate()));
            lines.add(new BenchChart.Line(scenario + ", " + series, r.series));
        }
        String title = String.format(Locale.ROOT, "CoAP sink benchmark: %,d records, steady records/s per scenario "
                + "(load %s at the end)", o.records, loadAverage());
        try {
            BenchChart.write(o.chart, title, bars, lines);
            System.out.println();
            System.out.println("chart: " + o.chart.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            System.out.println("chart not written: " + e);
        }
    }

    private static String num(double d) {
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%,.0f", d);
    }

    private static String fmt(double d) {
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.0f", d);
    }

    private String describe(Map<String, String> config) {
        Map<String, String> shown = new LinkedHashMap<>(config);
        shown.keySet().removeIf(k -> k.equals("topics") || k.equals("tasks.max") || k.endsWith(".converter")
                || k.startsWith("value.converter") || k.equals("connect.coap.uri") || k.equals("baseline.coap.uri"));
        shown.computeIfPresent("connector.class", (k, v) -> v.substring(v.lastIndexOf('.') + 1));
        shown.computeIfPresent("connect.coap.kcql", (k, v) -> v.substring(0, v.indexOf(" SELECT")) + " …");
        return "worker -Xmx" + o.workerHeap + ", 1 task, " + shown;
    }

    private static Properties loadTuned(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    /** {@code /proc/loadavg}'s first three fields. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%tT] " + format + "%n",
                prepend(System.currentTimeMillis(), args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    // ---------------------------------------------------------------- types

    @FunctionalInterface
    private interface LiveSender {
        void send(int id, long timestampMillis);
    }

    /** One scenario run's numbers. */
    public static final class Result {
        public final String scenario;
        public final Server server;
        public final int rttMs;
        public final int expected;
        public int delivered;
        public long duplicates;
        public long committed;
        public double seconds;
        public double rate;
        public double steadyRate = Double.NaN;
        public double committedRate = Double.NaN;
        public String status = "not run";
        public String params = "";
        public int latencyRate;
        public int latencyCount;
        public int latencyExpected;
        public double p50 = Double.NaN;
        public double p99 = Double.NaN;
        public double commitLagP50 = Double.NaN;
        public double commitLagP99 = Double.NaN;
        public int commitLagCount;
        public int committedNotDelivered;
        public double cpuMicrosPerRecord = Double.NaN;
        /** Over the records after the first half only (JIT compilation and other warm-up mostly done). */
        public double cpuMicrosPerRecordWarm = Double.NaN;
        public boolean cpuIsBenchJvm;
        /** Retransmitted CON requests counted at the server (or the relay); -1 where nobody could count. */
        public long retransmissions = -1;
        /** CoAP retransmissions the sink task counted itself (its CoapRetransmissions metric); -1 without it. */
        public long clientRetransmissions = -1;
        /** Of those, the ones sent early by the sink's loss detection; -1 without it. */
        public long clientEarlyRetransmissions = -1;
        /** The task's congestion window (requests allowed on the wire), sampled every 200 ms; NaN without it. */
        public double windowMean = Double.NaN;
        public int windowMin = -1;
        public int windowMax = -1;
        public int windowLast = -1;
        public int paths;
        /** Mean request body bytes per record at the counting server (a batch's framing shared out); NaN elsewhere. */
        public double bytesPerRecord = Double.NaN;
        public double heapPeakMb = Double.NaN;
        public double heapLiveMb = Double.NaN;
        public int gcCount;
        /** Datagrams the kernel dropped for a full socket receive buffer (all sockets, throughput phase). */
        public long udpDrops = -1;
        public String loadAvg = "?";
        public String relayStats;
        public RawConfig rawConfig;
        public boolean rawLimit;
        /** (seconds, records committed — or answered, for raw) */
        public List<double[]> series = Collections.synchronizedList(new ArrayList<>());

        Result(String scenario, Server server, int rttMs, int expected) {
            this.scenario = scenario;
            this.server = server;
            this.rttMs = rttMs;
            this.expected = expected;
        }

        String label() {
            return rawLimit ? scenario + " ★" : scenario;
        }

        /** The rate targets and ratios compare: steady where the server counts, else committed (or answered). */
        double compareRate() {
            if (!Double.isNaN(steadyRate)) {
                return steadyRate;
            }
            if (!Double.isNaN(committedRate)) {
                return committedRate;
            }
            return rate;
        }

        String summary() {
            return String.format(Locale.ROOT, "%,d/%,d in %.1f s = %,.0f records/s (steady %s), CPU %s µs/record "
                            + "(2nd half %s), %s retransmission(s), %s", delivered, expected, seconds, rate,
                    num(steadyRate),
                    Double.isNaN(cpuMicrosPerRecord) ? "–" : String.format(Locale.ROOT, "%.0f", cpuMicrosPerRecord),
                    Double.isNaN(cpuMicrosPerRecordWarm) ? "–"
                            : String.format(Locale.ROOT, "%.0f", cpuMicrosPerRecordWarm),
                    retransmissions < 0 ? "?" : Long.toString(retransmissions), status);
        }
    }

    /** Command-line options (bench/run.sh passes them through). */
    public record Options(int records, int partitions, List<String> scenarios, Path tuned, int maxSeconds,
                          Users.ValueFormat format, int latencyRate, int latencySeconds, Integer rawEndpoints,
                          Integer rawWindow, int rawUdpBuffer, String workerHeap, boolean strict, List<Integer> rttMs,
                          String server, Path chart, List<String> rawConfigs, int fanoutKeys) {

        static final List<String> SCENARIOS = List.of("baseline", "default", "tuned", "fanout", "batched", "raw");
        /** The default connector in another payload format. */
        static final List<String> FORMAT_SCENARIOS = List.of("cbor", "senml-json", "senml-cbor");

        /** One of {@link #SCENARIOS} or {@link #FORMAT_SCENARIOS}, or default:FORMAT / tuned:FORMAT. */
        static boolean known(String scenario) {
            if (SCENARIOS.contains(scenario) || FORMAT_SCENARIOS.contains(scenario)) {
                return true;
            }
            int colon = scenario.indexOf(':');
            if (colon < 0 || !List.of("default", "tuned").contains(scenario.substring(0, colon))) {
                return false;
            }
            try {
                io.github.coapsink.encode.PayloadFormat.valueOf(payloadFormat(scenario));
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        List<Server> sinkServers() {
            return switch (server) {
                case "californium" -> List.of(Server.CALIFORNIUM);
                case "libcoap" -> List.of(Server.LIBCOAP);
                default -> List.of(Server.CALIFORNIUM, Server.LIBCOAP);
            };
        }

        static Options parse(String[] args) {
            int records = 300_000;
            int partitions = 1;
            List<String> scenarios = List.of("baseline", "default", "tuned", "fanout", "raw");
            Path tuned = Path.of("bench/tuned.properties");
            int maxSeconds = 180;
            Users.ValueFormat format = Users.ValueFormat.STRUCT;
            int latencyRate = 2000;
            int latencySeconds = 5;
            Integer rawEndpoints = null;
            Integer rawWindow = null;
            int rawUdpBuffer = 0;
            String heap = "256m";
            boolean strict = false;
            boolean noBaseline = false;
            List<Integer> rtt = List.of(0);
            String server = "californium";
            Path chart = Path.of("bench/target/bench.png");
            List<String> rawConfigs = List.of();
            int fanoutKeys = FANOUT_KEYS;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--records" -> records = Integer.parseInt(args[++i].replace("_", ""));
                    case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                    case "--scenarios" -> scenarios = List.of(args[++i].split(","));
                    case "--tuned" -> tuned = Path.of(args[++i]);
                    case "--max-seconds" -> maxSeconds = Integer.parseInt(args[++i]);
                    case "--format" -> format = Users.ValueFormat.valueOf(args[++i].toUpperCase(Locale.ROOT));
                    case "--latency-rate" -> latencyRate = Integer.parseInt(args[++i]);
                    case "--latency-seconds" -> latencySeconds = Integer.parseInt(args[++i]);
                    case "--raw-endpoints" -> rawEndpoints = Integer.parseInt(args[++i]);
                    case "--raw-window" -> rawWindow = Integer.parseInt(args[++i]);
                    case "--raw-udp-buffer" -> rawUdpBuffer = Integer.parseInt(args[++i]);
                    case "--worker-heap" -> heap = args[++i];
                    case "--strict" -> strict = true;
                    case "--no-baseline" -> noBaseline = true;
                    case "--rtt-ms" -> rtt = Arrays.stream(args[++i].split(",")).map(String::trim)
                            .map(Integer::parseInt).toList();
                    case "--server" -> server = args[++i];
                    case "--chart" -> chart = Path.of(args[++i]);
                    case "--raw-configs" -> rawConfigs = List.of(args[++i].split(","));
                    case "--fanout-keys" -> fanoutKeys = Integer.parseInt(args[++i].replace("_", ""));
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            if (records < 1 || partitions < 1 || maxSeconds < 1 || latencyRate < 1 || latencySeconds < 0 || fanoutKeys < 1) {
                throw new IllegalArgumentException("counts must be positive\n" + USAGE);
            }
            if (rtt.isEmpty() || rtt.stream().anyMatch(r -> r < 0 || r > 10_000)) {
                throw new IllegalArgumentException("--rtt-ms takes round-trip times in 0..10000 ms\n" + USAGE);
            }
            if (!List.of("californium", "libcoap", "both").contains(server)) {
                throw new IllegalArgumentException("--server is californium, libcoap or both\n" + USAGE);
            }
            if (!scenarios.equals(List.of("none"))) {
                for (String s : scenarios) {
                    if (!known(s)) {
                        throw new IllegalArgumentException("unknown scenario " + s + "\n" + USAGE);
                    }
                }
                if (!noBaseline && !scenarios.contains("baseline")) {
                    // ratios come from one invocation: the old design always runs beside the rest
                    List<String> withBaseline = new ArrayList<>(scenarios);
                    withBaseline.add(0, "baseline");
                    scenarios = List.copyOf(withBaseline);
                }
            }
            return new Options(records, partitions, scenarios, tuned, maxSeconds, format, latencyRate, latencySeconds,
                    rawEndpoints, rawWindow, rawUdpBuffer, heap, strict, rtt, server, chart, rawConfigs, fanoutKeys);
        }

        static final String USAGE = """
                bench/run.sh [--records 300000] [--partitions 1] [--scenarios baseline,default,tuned,fanout,raw]
                             (also cbor, senml-json, senml-cbor: the default connector in that payload format;
                              default:FORMAT, tuned:FORMAT: that scenario in a payload format, e.g. tuned:CBOR;
                              batched: fanout with batch.max.records=50, batch.linger.ms=50)
                             [--rtt-ms 0[,20,...]] [--server californium|libcoap|both] [--chart bench/target/bench.png]
                             [--tuned bench/tuned.properties] [--max-seconds 180] [--format struct|string]
                             [--latency-rate 2000] [--latency-seconds 5] [--raw-endpoints N] [--raw-window N]
                             [--raw-udp-buffer BYTES (0 = OS default)] [--raw-configs raw-a,raw-b,raw-c,raw-d]
                             [--no-baseline] [--fanout-keys 1000 (distinct keys of the fanout scenario)]
                             [--worker-heap 256m] [--strict]
                  baseline is always added unless --no-baseline; raw runs against the counting server and, where
                  coap-server-notls is installed, libcoap; --server picks the server(s) of the sink scenarios.
                bench/run.sh --jmh [JMH options]""";
    }
}
