package io.github.coapsink.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka Connect worker in a separate JVM ({@code java -cp <this JVM's classpath>
 * org.apache.kafka.connect.cli.ConnectStandalone|ConnectDistributed <props>}), for crash tests:
 * {@link #kill()} is SIGKILL (no task stop, no offset commit, no group leave).
 * REST on 127.0.0.1 with a free port; stdout/stderr go to {@link #logFile()}.
 *
 * <pre>{@code
 * try (ConnectDistributedCluster cluster = ConnectDistributedCluster.start(kafka, 1, Map.of());
 *      ConnectWorkerProcess extra = ConnectWorkerProcess.distributed(kafka, cluster.workerProperties())) {
 *     ...
 *     extra.kill();   // the group notices after session.timeout.ms
 * }
 * }</pre>
 */
public final class ConnectWorkerProcess extends ConnectRestClient implements AutoCloseable {
    public static final String STANDALONE = "org.apache.kafka.connect.cli.ConnectStandalone";
    public static final String DISTRIBUTED = "org.apache.kafka.connect.cli.ConnectDistributed";
    private static final List<String> DEFAULT_JVM_ARGS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final int MAX_START_ATTEMPTS = 3;

    private final Process process;
    private final Path workDir;
    private final Thread reaper;
    private final Duration startupDuration;
    private boolean closed;

    private ConnectWorkerProcess(Process process, URI url, Path workDir, Thread reaper, Duration startupDuration) {
        super(() -> url);
        this.process = process;
        this.workDir = workDir;
        this.reaper = reaper;
        this.startupDuration = startupDuration;
    }

    /**
     * Starts a distributed worker in a child JVM. Pass {@link ConnectDistributedCluster#workerProperties()} to join
     * an in-process cluster's group; {@code listeners} is always replaced by a free 127.0.0.1 port.
     */
    public static ConnectWorkerProcess distributed(EmbeddedKafka kafka, Map<String, String> workerOverrides) {
        return start(DISTRIBUTED, kafka, workerOverrides, DEFAULT_JVM_ARGS);
    }

    /** Starts a standalone worker (file offsets in the child's temp dir) in a child JVM. */
    public static ConnectWorkerProcess standalone(EmbeddedKafka kafka, Map<String, String> workerOverrides) {
        return start(STANDALONE, kafka, workerOverrides, DEFAULT_JVM_ARGS);
    }

    /** Like {@link #distributed}/{@link #standalone} with explicit JVM arguments (default: small heap, fast start). */
    public static ConnectWorkerProcess start(String mainClass, EmbeddedKafka kafka, Map<String, String> workerOverrides,
                                             List<String> jvmArgs) {
        return start(mainClass, kafka, workerOverrides, jvmArgs, System.getProperty("java.class.path"));
    }

    /**
     * Like {@link #start(String, EmbeddedKafka, Map, List)} on another class path: a worker of another Kafka version
     * (its jars only, none of this JVM's).
     */
    public static ConnectWorkerProcess start(String mainClass, EmbeddedKafka kafka, Map<String, String> workerOverrides,
                                             List<String> jvmArgs, String classPath) {
        long t0 = System.nanoTime();
        RuntimeException last = null;
        for (int attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
            Path workDir = TempDirs.create(null, "connect-worker-process-");
            Process process = null;
            Thread reaper = null;
            try {
                int port = Ports.freePort();
                Map<String, String> overrides = new LinkedHashMap<>();
                overrides.put("offset.storage.file.filename", workDir.resolve("connect.offsets").toString());
                overrides.putAll(workerOverrides);
                overrides.put("listeners", "http://" + Ports.HOST + ":" + port);
                Map<String, String> props = WorkerSupport.baseProps(kafka.bootstrapServers(), overrides);
                if (DISTRIBUTED.equals(mainClass)) {
                    props.remove("offset.storage.file.filename");
                }
                Path propsFile = workDir.resolve("worker.properties");
                Properties p = new Properties();
                p.putAll(props);
                try (OutputStream out = Files.newOutputStream(propsFile)) {
                    p.store(out, "connect worker process");
                }
                List<String> cmd = new ArrayList<>();
                cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(jvmArgs);
                cmd.add("-cp");
                cmd.add(classPath);
                cmd.add(mainClass);
                cmd.add(propsFile.toString());
                Path log = workDir.resolve("worker.log");
                process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                Process started = process;
                reaper = new Thread(started::destroyForcibly, "connect-worker-process-reaper");
                Runtime.getRuntime().addShutdownHook(reaper);

                URI url = URI.create("http://" + Ports.HOST + ":" + port + "/");
                ConnectRestClient rest = ConnectRestClient.forUrl(url.toString());
                Waits.until("worker process " + url + " to report healthy", Duration.ofSeconds(90),
                        () -> !started.isAlive() || rest.ready() ? Optional.of(true) : Optional.empty());
                if (!started.isAlive()) {
                    throw new IllegalStateException("worker process exited with " + started.exitValue()
                            + ", log: " + tail(log));
                }
                return new ConnectWorkerProcess(process, url, workDir, reaper, Duration.ofNanos(System.nanoTime() - t0));
            } catch (IOException e) {
                last = new UncheckedIOException(e);
            } catch (RuntimeException | AssertionError e) {
                last = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            String log = tail(workDir.resolve("worker.log"));
            if (process != null) {
                process.destroyForcibly();
                waitQuietly(process, Duration.ofSeconds(10));
            }
            if (reaper != null) {
                removeHook(reaper);
            }
            TempDirs.deleteQuietly(workDir);
            if (!log.contains("Address already in use")) {
                break;
            }
        }
        throw last;
    }

    /** SIGKILL (Process.destroyForcibly on Linux) and wait for the JVM to be gone. */
    public void kill() {
        process.destroyForcibly();
        waitQuietly(process, Duration.ofSeconds(30));
    }

    /** True while the child JVM runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** OS process id of the child JVM. */
    public long pid() {
        return process.pid();
    }

    /** File with the child's stdout and stderr (deleted by {@link #close()}). */
    public Path logFile() {
        return workDir.resolve("worker.log");
    }

    /** Time until the worker answered {@code GET /health} with 200 (before Kafka 4.0: {@code GET /connectors}). */
    public Duration startupDuration() {
        return startupDuration;
    }

    /** Graceful stop (SIGTERM, Connect's shutdown hook), SIGKILL after 30 s; deletes the temp dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!waitQuietly(process, Duration.ofSeconds(30))) {
                    kill();
                }
            }
        } finally {
            removeHook(reaper);
            TempDirs.deleteQuietly(workDir);
        }
    }

    private static boolean waitQuietly(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // JVM already shutting down
        }
    }

    private static String tail(Path log) {
        try {
            if (!Files.exists(log)) {
                return "";
            }
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "";
        }
    }
}
