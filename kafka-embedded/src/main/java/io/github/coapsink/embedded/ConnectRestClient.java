package io.github.coapsink.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka Connect REST helpers (java.net.http + Jackson). Shared by {@link EmbeddedConnect},
 * {@link ConnectDistributedCluster} and {@link ConnectWorkerProcess}; usable alone via {@link #forUrl(String)}.
 * Write calls are retried for up to {@link #retryTimeout()} on HTTP 409/503 (rebalance in progress,
 * worker still starting); any other non-2xx answer throws {@link ConnectRestException}.
 */
public class ConnectRestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<URI> baseUrl;
    private final HttpClient http;
    private Duration retryTimeout = Duration.ofSeconds(30);

    /** @param baseUrl supplies the worker to talk to on each call (lets a cluster route around stopped workers) */
    protected ConnectRestClient(Supplier<URI> baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** A client for any Connect REST URL, e.g. {@code http://127.0.0.1:8083/}. */
    public static ConnectRestClient forUrl(String url) {
        URI uri = URI.create(url.endsWith("/") ? url : url + "/");
        return new ConnectRestClient(() -> uri);
    }

    /** Base REST URL (ends with '/') the next call goes to. */
    public String restUrl() {
        return baseUrl.get().toString();
    }

    /** How long writes are retried on 409/503. */
    public Duration retryTimeout() {
        return retryTimeout;
    }

    /** Sets how long writes are retried on 409/503 (default 30 s). */
    public void retryTimeout(Duration timeout) {
        this.retryTimeout = timeout;
    }

    /** Consumer group id of a sink connector (Kafka's default {@code connect-<name>}). */
    /** {@code worker_id} the worker behind {@link #restUrl()} reports in statuses ({@code 127.0.0.1:port}). */
    public String workerId() {
        return WorkerSupport.workerId(URI.create(restUrl()));
    }

    public static String sinkGroupId(String connectorName) {
        return "connect-" + connectorName;
    }

    // ---------------------------------------------------------------- records

    /** One task's status. {@code trace} is null unless FAILED. */
    public record TaskStatus(int id, String state, String workerId, String trace) {
    }

    /** A connector's status ({@code GET /connectors/{name}/status}). */
    public record ConnectorStatus(String name, String state, String workerId, String trace, String type,
                                  List<TaskStatus> tasks) {
        /** Task by id, if reported. */
        public Optional<TaskStatus> task(int id) {
            return tasks.stream().filter(t -> t.id() == id).findFirst();
        }

        /** True if the connector and exactly {@code n} tasks are RUNNING. */
        public boolean runningWithTasks(int n) {
            return "RUNNING".equals(state) && tasks.size() == n
                    && tasks.stream().allMatch(t -> "RUNNING".equals(t.state()));
        }
    }

    /** One config of a validation answer: its current value and error messages. */
    public record ConfigResult(String name, String value, List<String> errors, boolean visible) {
    }

    /** Result of {@code PUT /connector-plugins/{plugin}/config/validate}. */
    public record ConfigValidation(String pluginName, int errorCount, List<ConfigResult> configs) {
        /** Error messages reported for {@code key} (empty if the key is unknown or valid). */
        public List<String> errorsFor(String key) {
            return configs.stream().filter(c -> c.name().equals(key)).findFirst()
                    .map(ConfigResult::errors).orElse(List.of());
        }

        /** Keys that have at least one error, with their messages. */
        public Map<String, List<String>> errors() {
            Map<String, List<String>> out = new LinkedHashMap<>();
            configs.stream().filter(c -> !c.errors().isEmpty()).forEach(c -> out.put(c.name(), c.errors()));
            return out;
        }
    }

    /** One entry of {@code GET /connectors/{name}/offsets}. */
    public record ConnectorOffset(Map<String, Object> partition, Map<String, Object> offset) {
    }

    /** A plugin listed by {@code GET /connector-plugins}. */
    public record PluginInfo(String className, String type, String version) {
    }

    // ---------------------------------------------------------------- reads

    /** {@code GET /}: {version, commit, kafka_cluster_id}. */
    public Map<String, Object> serverInfo() {
        return JSON.convertValue(get(""), new TypeReference<Map<String, Object>>() { });
    }

    /** Worker's Kafka version from {@code GET /}. */
    public String version() {
        return get("").path("version").asText();
    }

    /** True when {@code GET /health} answers 200 (worker started and its herder responsive). */
    public boolean healthy() {
        try {
            return send(HttpRequest.newBuilder(uri("health")).GET(), "GET health").statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * True when {@code GET /health} answers 200; on workers older than Kafka 4.0, which have no {@code /health}
     * (404), when {@code GET /connectors} answers 200 (the REST resources are installed once the herder started).
     */
    public boolean ready() {
        try {
            int health = send(HttpRequest.newBuilder(uri("health")).GET(), "GET health").statusCode();
            if (health == 200) {
                return true;
            }
            return health == 404
                    && send(HttpRequest.newBuilder(uri("connectors")).GET(), "GET connectors").statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Connector plugins ({@code GET /connector-plugins?connectorsOnly=false} lists converters, transforms too). */
    public List<PluginInfo> connectorPlugins(boolean connectorsOnly) {
        List<PluginInfo> out = new ArrayList<>();
        for (JsonNode n : get("connector-plugins?connectorsOnly=" + connectorsOnly)) {
            out.add(new PluginInfo(n.path("class").asText(), n.path("type").asText(), n.path("version").asText()));
        }
        return out;
    }

    /** Names of all connectors. */
    public List<String> connectors() {
        return JSON.convertValue(get("connectors"), new TypeReference<List<String>>() { });
    }

    /** Connector's current config. */
    public Map<String, String> connectorConfig(String name) {
        return JSON.convertValue(get("connectors/" + enc(name) + "/config"), new TypeReference<Map<String, String>>() { });
    }

    /** Parsed {@code GET /connectors/{name}/status}. */
    public ConnectorStatus connectorStatus(String name) {
        JsonNode n = get("connectors/" + enc(name) + "/status");
        List<TaskStatus> tasks = new ArrayList<>();
        for (JsonNode t : n.path("tasks")) {
            tasks.add(new TaskStatus(t.path("id").asInt(), t.path("state").asText(), t.path("worker_id").asText(),
                    textOrNull(t.get("trace"))));
        }
        JsonNode c = n.path("connector");
        return new ConnectorStatus(n.path("name").asText(), c.path("state").asText(), c.path("worker_id").asText(),
                textOrNull(c.get("trace")), n.path("type").asText(), List.copyOf(tasks));
    }

    /** Raw {@code GET /connectors/{name}/offsets} (Kafka 3.5+). */
    public List<ConnectorOffset> connectorOffsets(String name) {
        List<ConnectorOffset> out = new ArrayList<>();
        for (JsonNode o : get("connectors/" + enc(name) + "/offsets").path("offsets")) {
            out.add(new ConnectorOffset(
                    JSON.convertValue(o.path("partition"), new TypeReference<Map<String, Object>>() { }),
                    JSON.convertValue(o.path("offset"), new TypeReference<Map<String, Object>>() { })));
        }
        return out;
    }

    /** Sink connector offsets from {@code GET /connectors/{name}/offsets} as TopicPartition → next offset. */
    public Map<TopicPartition, Long> sinkConnectorOffsets(String name) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        for (ConnectorOffset o : connectorOffsets(name)) {
            Object topic = o.partition().get("kafka_topic");
            Object partition = o.partition().get("kafka_partition");
            Object offset = o.offset().get("kafka_offset");
            if (topic != null && partition != null && offset != null) {
                out.put(new TopicPartition(topic.toString(), ((Number) partition).intValue()), ((Number) offset).longValue());
            }
        }
        return out;
    }

    /**
     * Validates a config against a plugin (simple or full class name). {@code connector.class} and a placeholder
     * {@code name} are added if missing, so only the caller's own keys can report errors.
     */
    public ConfigValidation validate(String pluginClassName, Map<String, String> config) {
        Map<String, String> body = new LinkedHashMap<>(config);
        body.putIfAbsent("connector.class", pluginClassName);
        body.putIfAbsent("name", "validation");
        JsonNode n = write("PUT", "connector-plugins/" + enc(pluginClassName) + "/config/validate", body);
        List<ConfigResult> configs = new ArrayList<>();
        for (JsonNode c : n.path("configs")) {
            JsonNode v = c.path("value");
            List<String> errors = new ArrayList<>();
            v.path("errors").forEach(e -> errors.add(e.asText()));
            configs.add(new ConfigResult(v.path("name").asText(), textOrNull(v.get("value")), List.copyOf(errors),
                    v.path("visible").asBoolean(true)));
        }
        return new ConfigValidation(n.path("name").asText(), n.path("error_count").asInt(), List.copyOf(configs));
    }

    // ---------------------------------------------------------------- writes

    /** {@code PUT /connectors/{name}/config}; creates or updates. {@code name} is added to the config. */
    public void createOrUpdateConnector(String name, Map<String, String> config) {
        Map<String, String> body = new LinkedHashMap<>(config);
        body.put("name", name);
        write("PUT", "connectors/" + enc(name) + "/config", body);
    }

    /** {@code POST /connectors/{name}/restart?includeTasks=..&onlyFailed=false}. */
    public void restartConnector(String name, boolean includeTasks) {
        write("POST", "connectors/" + enc(name) + "/restart?includeTasks=" + includeTasks + "&onlyFailed=false", null);
    }

    /** {@code POST /connectors/{name}/tasks/{id}/restart}. */
    public void restartTask(String name, int taskId) {
        write("POST", "connectors/" + enc(name) + "/tasks/" + taskId + "/restart", null);
    }

    /** {@code PUT /connectors/{name}/pause} (asynchronous; await the PAUSED state). */
    public void pauseConnector(String name) {
        write("PUT", "connectors/" + enc(name) + "/pause", null);
    }

    /** {@code PUT /connectors/{name}/resume}. */
    public void resumeConnector(String name) {
        write("PUT", "connectors/" + enc(name) + "/resume", null);
    }

    /** {@code PUT /connectors/{name}/stop} (needed before offsets can be reset). */
    public void stopConnector(String name) {
        write("PUT", "connectors/" + enc(name) + "/stop", null);
    }

    /** {@code DELETE /connectors/{name}/offsets}; the connector must be STOPPED. */
    public void resetConnectorOffsets(String name) {
        write("DELETE", "connectors/" + enc(name) + "/offsets", null);
    }

    /** {@code DELETE /connectors/{name}}. */
    public void deleteConnector(String name) {
        write("DELETE", "connectors/" + enc(name), null);
    }

    // ---------------------------------------------------------------- waits

    /** Waits until the status satisfies {@code condition}; returns that status. 404 counts as "not yet". */
    public ConnectorStatus awaitStatus(String name, String what, Duration timeout, Predicate<ConnectorStatus> condition) {
        ConnectorStatus[] last = new ConnectorStatus[1];
        try {
            return Waits.until("connector " + name + " " + what, timeout, () -> {
                ConnectorStatus s = connectorStatus(name);
                last[0] = s;
                return condition.test(s) ? Optional.of(s) : Optional.empty();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
    }

    /** Waits until the connector and exactly {@code tasks} tasks are RUNNING. */
    public ConnectorStatus awaitConnectorRunning(String name, int tasks, Duration timeout) {
        return awaitStatus(name, "RUNNING with " + tasks + " running task(s)", timeout, s -> s.runningWithTasks(tasks));
    }

    /** Waits until the connector and all its (at least one) tasks are in {@code state} (e.g. PAUSED, STOPPED). */
    public ConnectorStatus awaitConnectorState(String name, String state, Duration timeout) {
        return awaitStatus(name, "in state " + state, timeout, s -> state.equals(s.state())
                && ("STOPPED".equals(state) || !s.tasks().isEmpty())
                && s.tasks().stream().allMatch(t -> state.equals(t.state())));
    }

    /** Waits until task {@code taskId} is FAILED; returns its status (with trace). */
    public TaskStatus awaitTaskFailed(String name, int taskId, Duration timeout) {
        return awaitStatus(name, "task " + taskId + " FAILED", timeout,
                s -> s.task(taskId).map(t -> "FAILED".equals(t.state())).orElse(false)).task(taskId).orElseThrow();
    }

    /** Waits until the connector itself is FAILED; returns its status. */
    public ConnectorStatus awaitConnectorFailed(String name, Duration timeout) {
        return awaitStatus(name, "FAILED", timeout, s -> "FAILED".equals(s.state()));
    }

    /** Waits until the connector no longer exists (404). */
    public void awaitConnectorGone(String name, Duration timeout) {
        Waits.untilTrue("connector " + name + " to be deleted", timeout, () -> {
            try {
                connectorStatus(name);
                return false;
            } catch (ConnectRestException e) {
                return e.status() == 404;
            }
        });
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode get(String path) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).GET(), "GET " + path);
        return parse("GET " + path, r);
    }

    private JsonNode write(String method, String path, Object body) {
        String what = method + " " + path;
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Object[] last = new Object[1];
        HttpResponse<String> response;
        try {
            response = Waits.until(what + " to be accepted", retryTimeout, () -> {
                HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).method(method, publisher)
                        .header("Content-Type", "application/json"), what);
                last[0] = r;
                return r.statusCode() == 409 || r.statusCode() == 503 ? Optional.empty() : Optional.of(r);
            });
        } catch (AssertionError e) {
            if (last[0] instanceof HttpResponse<?> r) {
                throw new ConnectRestException(what, r.statusCode(), String.valueOf(r.body()));
            }
            throw e;
        }
        return parse(what, response);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) {
        try {
            return http.send(request.timeout(REQUEST_TIMEOUT).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    private static JsonNode parse(String what, HttpResponse<String> r) {
        if (r.statusCode() / 100 != 2) {
            throw new ConnectRestException(what, r.statusCode(), r.body());
        }
        try {
            String b = r.body();
            return b == null || b.isBlank() ? JSON.nullNode() : JSON.readTree(b);
        } catch (IOException e) {
            throw new UncheckedIOException("Bad JSON from " + what + ": " + r.body(), e);
        }
    }

    private URI uri(String path) {
        return baseUrl.get().resolve(path);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
