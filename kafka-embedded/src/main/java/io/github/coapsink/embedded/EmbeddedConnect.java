package io.github.coapsink.embedded;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;

/**
 * A standalone Kafka Connect worker in this JVM (Kafka's own runtime), REST on 127.0.0.1 with a free port.
 * Defaults: String key/value converters, {@code offset.flush.interval.ms=500}, file offsets in a temp dir,
 * {@code plugin.discovery=service_load} (plugins from the classpath) or {@code hybrid_warn} when
 * {@code plugin.path} is given (hybrid_warn also scans the classpath reflectively, which costs seconds; pass
 * {@code plugin.discovery=service_load} when the plugin archive has ServiceLoader manifests).
 * Every default can be overridden.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start();
 *      EmbeddedConnect connect = EmbeddedConnect.standalone(kafka, Map.of())) {
 *     connect.createOrUpdateConnector("sink", Map.of("connector.class", "MySink", "topics", "in", "tasks.max", "1"));
 *     connect.awaitConnectorRunning("sink", 1, Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class EmbeddedConnect extends ConnectRestClient implements AutoCloseable {
    private final Connect<StandaloneHerder> connect;
    private final Path workDir;
    private final Duration startupDuration;
    private boolean closed;

    private EmbeddedConnect(Connect<StandaloneHerder> connect, URI url, Path workDir, Duration startupDuration) {
        super(() -> url);
        this.connect = connect;
        this.workDir = workDir;
        this.startupDuration = startupDuration;
    }

    /** Starts a standalone worker with default settings. */
    public static EmbeddedConnect standalone(EmbeddedKafka kafka) {
        return standalone(kafka, Map.of());
    }

    /**
     * Starts a standalone worker against {@code kafka}; {@code workerOverrides} replace or add worker properties
     * (e.g. {@code plugin.path}, {@code value.converter}). Returns once {@code GET /health} answers 200.
     */
    public static EmbeddedConnect standalone(EmbeddedKafka kafka, Map<String, String> workerOverrides) {
        long t0 = System.nanoTime();
        Path workDir = TempDirs.create(null, "embedded-connect-");
        Connect<StandaloneHerder> connect = null;
        try {
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("offset.storage.file.filename", workDir.resolve("connect.offsets").toString());
            overrides.putAll(workerOverrides);
            connect = WorkerSupport.start(new ConnectStandalone(), WorkerSupport.baseProps(kafka.bootstrapServers(), overrides));
            // ConnectStandalone marks the herder ready only after creating connectors from its CLI args.
            connect.herder().ready();
            URI url = WorkerSupport.restUrl(connect);
            WorkerSupport.awaitHealthy(ConnectRestClient.forUrl(url.toString()), Duration.ofSeconds(60));
            return new EmbeddedConnect(connect, url, workDir, Duration.ofNanos(System.nanoTime() - t0));
        } catch (RuntimeException | Error e) {
            if (connect != null) {
                WorkerSupport.stop(connect);
            }
            TempDirs.deleteQuietly(workDir);
            throw e;
        }
    }

    /** Wall time {@link #standalone} took until the worker was healthy. */
    public Duration startupDuration() {
        return startupDuration;
    }

    /** Stops the worker (connectors and tasks stopped gracefully) and deletes its temp dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            WorkerSupport.stop(connect);
        } finally {
            TempDirs.deleteQuietly(workDir);
        }
    }
}
