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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The issue-5 benchmark: one broker, one counting CoAP server, one preloaded topic; scenarios run one after the other.
 * See docs/benchmark.md for what each scenario does and how each number is defined. Run through bench/run.sh.
 */
public final class BenchMain {
    static final String STANDALONE = "org.apache.kafka.connect.cli.ConnectStandalone";
    static final String RESOURCE = "users";
    static final int DEFAULT_WINDOW = 256; // CoapSinkConfig's connect.coap.max.in.flight default

    private final Options o;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final String topic = "bench_users_" + runId;
    private final List<Result> results = new ArrayList<>();
    private EmbeddedKafka kafka;
    private CountingServer server;
    private Properties tuned;

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

    /** Runs every selected scenario; prints progress and the final table to stdout. */
    public List<Result> run() throws Exception {
        tuned = loadTuned(o.tuned);
        printHeader();
        long t0 = System.nanoTime();
        try (EmbeddedKafka k = EmbeddedKafka.start(); CountingServer s = new CountingServer()) {
            kafka = k;
            server = s;
            log("broker %s, CoAP server %s", kafka.bootstrapServers(), server.uri());
            preload();
            for (String scenario : o.scenarios) {
                Result r = switch (scenario) {
                    case "baseline" -> runConnector("baseline", baselineConfig());
                    case "default" -> runConnector("default", sinkConfig(Map.of()));
                    case "tuned" -> runConnector("tuned", sinkConfig(tunedOverrides()));
                    case "cbor", "senml-json", "senml-cbor" -> runConnector(scenario, sinkConfig(Map.of(
                            "connect.coap.payload.format", scenario.toUpperCase(Locale.ROOT).replace('-', '_'))));
                    case "raw" -> runRaw();
                    default -> runInFormat(scenario);
                };
                r.loadAvg = loadAverage();
                results.add(r);
                log("%s: %s", r.name, r.summary());
            }
        }
        printTable(Duration.ofNanos(System.nanoTime() - t0));
        return results;
    }

    // ---------------------------------------------------------------- preload

    private void preload() {
        kafka.createTopic(topic, o.partitions);
        log("preloading %,d %s records into %s (%d partition(s))", o.records, o.format, topic, o.partitions);
        long t0 = System.nanoTime();
        Map<String, Object> props = Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer(props)) {
            for (int i = 0; i < o.records; i++) {
                p.send(new ProducerRecord<>(topic, null, Users.kafkaValue(o.format, i)));
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

    // ---------------------------------------------------------------- connector scenarios (a), (b), (c)

    private Map<String, String> commonConfig(String liveTopic) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("tasks.max", "1");
        c.put("topics", topic + "," + liveTopic);
        c.put("value.converter", o.format.converter);
        if (o.format == Users.ValueFormat.STRUCT) {
            c.put("value.converter.schemas.enable", "true");
        }
        return c;
    }

    private ConfigBuilder baselineConfig() {
        return live -> {
            Map<String, String> c = commonConfig(live);
            c.put("connector.class", BaselineCoapSinkConnector.class.getName());
            c.put(BaselineCoapSinkConnector.URI, server.uri() + "/" + RESOURCE);
            return c;
        };
    }

    private ConfigBuilder sinkConfig(Map<String, String> overrides) {
        return live -> {
            Map<String, String> c = commonConfig(live);
            c.put("connector.class", "io.github.coapsink.CoapSinkConnector");
            c.put("connect.coap.uri", server.uri());
            c.put("connect.coap.host", "127.0.0.1");
            c.put("connect.coap.kcql", "INSERT INTO " + RESOURCE + " SELECT * FROM " + topic
                    + "; INSERT INTO " + RESOURCE + " SELECT * FROM " + live);
            c.putAll(overrides);
            return c;
        };
    }

    /** {@code default:CBOR}, {@code tuned:SENML_CBOR}: a connector scenario with another payload format. */
    private Result runInFormat(String scenario) throws Exception {
        int colon = scenario.indexOf(':');
        String base = colon < 0 ? "" : scenario.substring(0, colon);
        if (!base.equals("default") && !base.equals("tuned")) {
            throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        Map<String, String> overrides = new LinkedHashMap<>(base.equals("tuned") ? tunedOverrides() : Map.of());
        overrides.put("connect.coap.payload.format", scenario.substring(colon + 1).toUpperCase(Locale.ROOT));
        return runConnector(scenario.replace(':', '-').toLowerCase(Locale.ROOT), sinkConfig(overrides));
    }

    private Map<String, String> tunedOverrides() {
        Map<String, String> m = new LinkedHashMap<>();
        tuned.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, tuned.getProperty(k).trim()));
        return m;
    }

    private Result runConnector(String label, ConfigBuilder builder) throws Exception {
        String name = "bench-" + label + "-" + runId;
        String liveTopic = "bench_live_" + label + "_" + runId;
        kafka.createTopic(liveTopic, 1);
        Map<String, String> config = builder.build(liveTopic);
        Result r = new Result(label, o.records);
        r.params = describe(label, config);
        long drops0 = UdpStats.receiveBufferErrors();
        Path gcLog = Files.createTempFile("bench-" + label + "-gc-", ".log");
        List<String> jvm = List.of("-Xmx" + o.workerHeap, "-Xlog:gc,gc+heap+exit:file=" + gcLog + "::filecount=0");
        Map<String, String> worker = Map.of("connector.client.config.override.policy", "All");
        log("%s: starting worker JVM (%s), connector %s", label, String.join(" ", jvm), name);
        try (ConnectWorkerProcess w = ConnectWorkerProcess.start(STANDALONE, kafka, worker, jvm)) {
            CountingServer.Phase phase = server.begin(0, o.records, false);
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(o.maxSeconds);
            w.createOrUpdateConnector(name, config);
            String failure = watch(w, name, phase, deadline, label);
            long end = phase.lastNewNanos() == 0 ? System.nanoTime() : phase.lastNewNanos();
            r.delivered = phase.distinct();
            r.duplicates = phase.duplicates();
            r.seconds = (end - t0) / 1e9;
            r.rate = r.delivered / r.seconds;
            r.steadyRate = steady(phase);
            r.bytesPerRecord = phase.bytesPerRecord();
            if (failure != null) {
                r.status = failure;
            } else if (!phase.complete()) {
                r.status = "stopped at --max-seconds " + o.maxSeconds;
            } else {
                r.status = "ok";
                r.offsetsSeconds = awaitCommitted(name, t0);
                if (o.latencySeconds > 0) {
                    latencyPhase(r, (id, valueMillis) -> sendLive(liveTopic, id, valueMillis), null);
                }
            }
            if (failure == null) {
                String late = taskFailure(w, name);
                if (late != null) {
                    r.status += "; then " + late;
                }
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

    /** Waits until all records arrived, the task failed, or the deadline; returns a failure description or null. */
    private String watch(ConnectRestClient w, String name, CountingServer.Phase phase, long deadline, String label)
            throws InterruptedException {
        long nextStatus = 0;
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!phase.awaitComplete(200)) {
            long now = System.nanoTime();
            if (now > deadline) {
                return null;
            }
            if (now > nextStatus) {
                nextStatus = now + TimeUnit.SECONDS.toNanos(1);
                String f = taskFailure(w, name);
                if (f != null) {
                    return f;
                }
            }
            if (now > nextProgress) {
                nextProgress = now + TimeUnit.SECONDS.toNanos(10);
                log("%s: %,d/%,d distinct records at the server", label, phase.distinct(), o.records);
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

    /** Seconds from connector creation until the group's committed offsets cover the topic (max 60 s); NaN if not. */
    private double awaitCommitted(String name, long t0) throws InterruptedException {
        String group = ConnectRestClient.sinkGroupId(name);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            long sum = 0;
            for (Map.Entry<TopicPartition, Long> e : kafka.committedOffsets(group).entrySet()) {
                if (e.getKey().topic().equals(topic)) {
                    sum += e.getValue();
                }
            }
            if (sum >= o.records) {
                return secondsSince(t0);
            }
            Thread.sleep(100);
        }
        return Double.NaN;
    }

    private KafkaProducer<byte[], byte[]> liveProducer;

    private void sendLive(String liveTopic, int id, long timestampMillis) {
        liveProducer.send(new ProducerRecord<>(liveTopic, null, timestampMillis, null, Users.kafkaValue(o.format, id)));
    }

    // ---------------------------------------------------------------- latency phase (shared by all scenarios)

    /**
     * A fixed-rate phase after the throughput phase: {@code rate = min(--latency-rate, half the measured throughput)}
     * records/s for {@code --latency-seconds}. Each record gets its timestamp (Kafka CreateTime, or the send time for
     * raw) when it is produced; latency = server receipt − that moment.
     */
    private void latencyPhase(Result r, LiveSender sender, RawClient raw) throws Exception {
        int rate = (int) Math.max(1, Math.min(o.latencyRate, r.rate / 2));
        int count = Math.max(1, rate * o.latencySeconds);
        r.latencyRate = rate;
        CountingServer.Phase phase = server.begin(o.records, count, true);
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

    // ---------------------------------------------------------------- raw limit (d)

    private Result runRaw() throws Exception {
        int endpoints = o.rawEndpoints != null ? o.rawEndpoints
                : Integer.parseInt(tuned.getProperty("connect.coap.endpoints", "1").trim());
        int window = o.rawWindow != null ? o.rawWindow
                : Integer.parseInt(tuned.getProperty("connect.coap.max.in.flight", "" + DEFAULT_WINDOW).trim());
        Result r = new Result("raw", o.records);
        r.params = "Californium client only, " + endpoints + " endpoint(s), window " + window + ", client UDP buffers "
                + (o.rawUdpBuffer > 0 ? o.rawUdpBuffer / 1024 + " KiB" : "OS default");
        log("raw: encoding %,d payloads", o.records);
        RecordEncoder enc = new RecordEncoder(PlainStringPolicy.FAIL);
        byte[][] payloads = new byte[o.records][];
        for (int i = 0; i < o.records; i++) {
            payloads[i] = enc.encode(Users.SCHEMA, Users.struct(i), Projection.all());
        }
        String target = server.uri() + "/" + RESOURCE;
        long drops0 = UdpStats.receiveBufferErrors();
        try (RawClient raw = new RawClient(target, endpoints, window, o.rawUdpBuffer)) {
            CountingServer.Phase phase = server.begin(0, o.records, false);
            long t0 = System.nanoTime();
            raw.send(payloads, o.records, null, t0 + TimeUnit.SECONDS.toNanos(o.maxSeconds));
            phase.awaitComplete(2_000);
            long end = phase.lastNewNanos() == 0 ? System.nanoTime() : phase.lastNewNanos();
            r.delivered = phase.distinct();
            r.duplicates = phase.duplicates();
            r.seconds = (end - t0) / 1e9;
            r.rate = r.delivered / r.seconds;
            r.steadyRate = steady(phase);
            r.bytesPerRecord = phase.bytesPerRecord();
            r.status = raw.firstError() != null ? "client error: " + raw.firstError()
                    : phase.complete() ? "ok" : "stopped at --max-seconds " + o.maxSeconds;
        }
        payloads = null;
        r.udpDrops = UdpStats.receiveBufferErrors() - drops0;
        if (r.delivered == r.expected && o.latencySeconds > 0) {
            try (RawClient raw = new RawClient(target, endpoints, window, o.rawUdpBuffer)) { // fresh endpoints, fresh message IDs
                latencyPhase(r, null, raw);
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- output

    private void printHeader() {
        System.out.println("# CoAP sink benchmark " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf(Locale.ROOT, "machine: %d cores, %s; bench JVM %s %s%n",
                Runtime.getRuntime().availableProcessors(), memory(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.println("parameters: " + o);
        System.out.println("load average before the run (1/5/15 min; other processes share the cores): "
                + loadAverage());
        System.out.println("tuned overrides (" + o.tuned + "): " + tunedOverrides());
    }

    private static String memory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return String.format(Locale.ROOT, "%.1f GiB RAM", sun.getTotalMemorySize() / (1024.0 * 1024 * 1024));
        }
        return "RAM unknown";
    }

    private void printTable(Duration total) {
        Result base = results.stream().filter(r -> r.name.equals("baseline")).findFirst().orElse(null);
        Result raw = results.stream().filter(r -> r.name.equals("raw")).findFirst().orElse(null);
        System.out.println();
        System.out.printf(Locale.ROOT, "## Results: %,d records, %d partition(s), %s values, total %.0f s%n%n",
                o.records, o.partitions, o.format, total.toMillis() / 1000.0);
        System.out.println("| scenario | delivered | time s | records/s | steady rec/s | × baseline | % of raw | p50 ms | p99 ms "
                + "| latency at | worker heap peak / max live MB | UDP drops (host) | bytes/record | status |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %,d / %,d | %.1f | %,.0f | %,.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.name, r.delivered, r.expected, r.seconds, r.rate, r.steadyRate,
                    base == null || base.rate == 0 ? "–" : String.format(Locale.ROOT, "%.1f×", r.rate / base.rate),
                    raw == null || raw.rate == 0 ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * r.rate / raw.rate),
                    fmt(r.p50), fmt(r.p99),
                    r.latencyRate == 0 ? "–" : String.format(Locale.ROOT, "%,d/s (%,d/%,d)", r.latencyRate,
                            r.latencyCount, r.latencyExpected),
                    Double.isNaN(r.heapPeakMb) ? "– (no worker)"
                            : String.format(Locale.ROOT, "%.0f / %.0f (%d GCs)", r.heapPeakMb, r.heapLiveMb, r.gcCount),
                    r.udpDrops < 0 ? "?" : String.format(Locale.ROOT, "%,d", r.udpDrops),
                    Double.isNaN(r.bytesPerRecord) ? "–" : String.format(Locale.ROOT, "%.1f", r.bytesPerRecord),
                    r.status.replace("|", "/"));
        }
        System.out.println();
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "- %s: %s; load average after: %s%s%n", r.name, r.params, r.loadAvg,
                    Double.isNaN(r.offsetsSeconds) ? "" : String.format(Locale.ROOT,
                            "; offsets committed %.1f s after creation", r.offsetsSeconds));
        }
    }

    private static String fmt(double d) {
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.0f", d);
    }

    private String describe(String label, Map<String, String> config) {
        Map<String, String> shown = new LinkedHashMap<>(config);
        shown.keySet().removeIf(k -> k.equals("topics") || k.equals("connect.coap.kcql") || k.equals("tasks.max")
                || k.startsWith("value.converter") || k.equals("connect.coap.uri") || k.equals("baseline.coap.uri"));
        shown.computeIfPresent("connector.class", (k, v) -> v.substring(v.lastIndexOf('.') + 1));
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
    private interface ConfigBuilder {
        Map<String, String> build(String liveTopic);
    }

    @FunctionalInterface
    private interface LiveSender {
        void send(int id, long timestampMillis);
    }

    private record Duration(long nanos) {
        static Duration ofNanos(long n) {
            return new Duration(n);
        }

        long toMillis() {
            return nanos / 1_000_000;
        }
    }

    /** One scenario's numbers. */
    public static final class Result {
        public final String name;
        public final int expected;
        public int delivered;
        public long duplicates;
        public double seconds;
        public double rate;
        public double steadyRate = Double.NaN;
        public String status = "not run";
        public String params = "";
        public double offsetsSeconds = Double.NaN;
        public int latencyRate;
        public int latencyCount;
        public int latencyExpected;
        public double p50 = Double.NaN;
        public double p99 = Double.NaN;
        /** Mean request body bytes per record (throughput phase). */
        public double bytesPerRecord = Double.NaN;
        public double heapPeakMb = Double.NaN;
        public double heapLiveMb = Double.NaN;
        public int gcCount;
        /** Datagrams the kernel dropped for a full socket receive buffer (all sockets, throughput phase). */
        public long udpDrops = -1;
        public String loadAvg = "?";

        Result(String name, int expected) {
            this.name = name;
            this.expected = expected;
        }

        String summary() {
            return String.format(Locale.ROOT, "%,d/%,d in %.1f s = %,.0f records/s, %s", delivered, expected, seconds,
                    rate, status);
        }
    }

    /** Command-line options (bench/run.sh passes them through). */
    public record Options(int records, int partitions, List<String> scenarios, Path tuned, int maxSeconds,
                          Users.ValueFormat format, int latencyRate, int latencySeconds, Integer rawEndpoints,
                          Integer rawWindow, int rawUdpBuffer, String workerHeap, boolean strict) {

        static Options parse(String[] args) {
            int records = 300_000;
            int partitions = 1;
            List<String> scenarios = List.of("baseline", "default", "tuned", "raw");
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
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            if (records < 1 || partitions < 1 || maxSeconds < 1 || latencyRate < 1 || latencySeconds < 0) {
                throw new IllegalArgumentException("counts must be positive\n" + USAGE);
            }
            return new Options(records, partitions, scenarios, tuned, maxSeconds, format, latencyRate, latencySeconds,
                    rawEndpoints, rawWindow, rawUdpBuffer, heap, strict);
        }

        static final String USAGE = """
                bench/run.sh [--records 300000] [--partitions 1] [--scenarios baseline,default,tuned,raw]
                             (also cbor, senml-json, senml-cbor: the default connector in that payload format;
                              default:FORMAT, tuned:FORMAT: that scenario in a payload format, e.g. tuned:CBOR)
                             [--tuned bench/tuned.properties] [--max-seconds 180] [--format struct|string]
                             [--latency-rate 2000] [--latency-seconds 5] [--raw-endpoints N] [--raw-window N]
                             [--raw-udp-buffer BYTES (0 = OS default)]
                             [--worker-heap 256m] [--strict]
                bench/run.sh --jmh [JMH options]""";
    }
}
