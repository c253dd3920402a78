package io.github.coapsink.embedded;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.AbstractConnectCli;
import org.apache.kafka.connect.runtime.Connect;

/** Worker properties and in-process start shared by standalone and distributed workers (Kafka internals stay here). */
final class WorkerSupport {
    static final String PLUGIN_PATH = "plugin.path";
    static final String PLUGIN_DISCOVERY = "plugin.discovery";
    private static final Object START_LOCK = new Object();

    private WorkerSupport() {
    }

    /** Defaults common to every worker, then {@code overrides}. */
    static Map<String, String> baseProps(String bootstrapServers, Map<String, String> overrides) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("listeners", "http://" + Ports.HOST + ":0");
        p.put("rest.advertised.host.name", Ports.HOST);
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("offset.flush.interval.ms", "500");
        p.put("task.shutdown.graceful.timeout.ms", "2000");
        p.putAll(overrides);
        if (!overrides.containsKey(PLUGIN_DISCOVERY)) {
            String pluginPath = p.get(PLUGIN_PATH);
            p.put(PLUGIN_DISCOVERY, pluginPath == null || pluginPath.isBlank() ? "service_load" : "hybrid_warn");
        }
        return p;
    }

    /**
     * Runs {@code cli.startConnect(props)} with Kafka's exit procedure turned into an exception (a failed start would
     * otherwise call System.exit) and the caller's context class loader restored (Connect swaps it).
     */
    static <H extends org.apache.kafka.connect.runtime.Herder> Connect<H> start(AbstractConnectCli<H, ?> cli,
                                                                               Map<String, String> props) {
        synchronized (START_LOCK) {
            Thread current = Thread.currentThread();
            ClassLoader loader = current.getContextClassLoader();
            Exit.setExitProcedure((code, message) -> {
                throw new IllegalStateException("Connect worker start failed (exit " + code + "): " + message);
            });
            try {
                return cli.startConnect(props);
            } finally {
                Exit.resetExitProcedure();
                current.setContextClassLoader(loader);
            }
        }
    }

    /**
     * Stops a worker from any thread. Connect swaps class loaders around each task's stop and fails with a
     * NullPointerException on a thread without a context class loader, which is what a signal handler's thread
     * (Ctrl-C, SIGTERM) and the threads it starts have.
     */
    static void stop(Connect<?> connect) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (previous == null) {
            thread.setContextClassLoader(WorkerSupport.class.getClassLoader());
        }
        try {
            connect.stop();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static URI restUrl(Connect<?> connect) {
        String url = connect.rest().advertisedUrl().toString();
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    static void awaitHealthy(ConnectRestClient rest, Duration timeout) {
        Waits.untilTrue("Connect worker " + rest.restUrl() + " to report healthy", timeout, rest::healthy);
    }

    /** {@code host:port} as Connect reports it in {@code worker_id}. */
    static String workerId(URI restUrl) {
        return restUrl.getHost() + ":" + restUrl.getPort();
    }
}
