package io.github.coapsink.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.embedded.ConnectRestClient.PluginInfo;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.embedded.Waits;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The demo: CoAP test server, KRaft broker, Connect worker with the unpacked plugin archive, the seed QuickStart's
 * connector, the sample records; then it waits for Ctrl-C (or, with --exit-after-samples, for the samples).
 */
final class Demo implements AutoCloseable {
    static final String CONNECTOR = "coap-sink";
    static final String SECURE_CONNECTOR = "coaps-sink";
    static final String TOPIC = "coap_topic";
    static final String RESOURCE = "unsecure";
    static final String SECURE_RESOURCE = "secure";
    static final String KCQL = "INSERT INTO " + RESOURCE + " SELECT * FROM " + TOPIC;
    static final String SECURE_KCQL = "INSERT INTO " + SECURE_RESOURCE + " SELECT * FROM " + TOPIC;
    static final String CONNECTOR_CLASS = "io.github.coapsink.CoapSinkConnector";
    static final String PSK_IDENTITY = "quickstart";
    static final String PSK_SECRET = "quickstart-secret";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final DemoOptions options;
    private final PluginArchive archive;
    private final PrintStream out;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final List<JsonNode> samples = new ArrayList<>();
    private final Set<Integer> arrived = ConcurrentHashMap.newKeySet();
    private final Set<Integer> arrivedSecure = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;
    private CoapTestServer server;
    private EmbeddedKafka kafka;
    private EmbeddedConnect connect;

    Demo(DemoOptions options, PluginArchive archive, PrintStream out) {
        this.options = options;
        this.archive = archive;
        this.out = out;
        for (String s : SampleUsers.RECORDS) {
            samples.add(parse(s));
        }
    }

    /** Starts everything and produces the samples; returns once the samples are sent. */
    void start() {
        PortCheck.requireFreeTcp(options.kafkaPort, "Kafka broker", "--kafka-port");
        PortCheck.requireFreeTcp(options.connectPort, "Connect REST API", "--connect-port");
        PortCheck.requireFreeUdp(options.coapPort, "CoAP test server", "--coap-port");
        PortCheck.requireFreeUdp(options.coapsPort, "CoAP test server, DTLS", "--coaps-port");

        out.println("quickstart: Kafka Connect CoAP sink " + archive.version() + ", plugin archive " + archive.zip());
        TempDir work = register(new TempDir("coap-quickstart-"));

        long t0 = System.nanoTime();
        try {
            server = register(CoapTestServer.builder().port(options.coapPort).dtlsPort(options.coapsPort)
                    .psk(PSK_IDENTITY, PSK_SECRET).start());
        } catch (CoapTestServer.PortUnavailableException e) {
            boolean dtls = e.port() == options.coapsPort;
            throw PortCheck.busy("UDP", e.port(), dtls ? "CoAP test server, DTLS" : "CoAP test server",
                    dtls ? "--coaps-port" : "--coap-port");
        }
        server.onRequest(this::received);
        step("1/4", "CoAP test server", server.plainUri() + " and " + server.dtlsUri()
                + " (DTLS PSK identity \"" + PSK_IDENTITY + "\", secret \"" + PSK_SECRET + "\")", t0);

        t0 = System.nanoTime();
        try {
            kafka = register(EmbeddedKafka.builder().brokerPort(options.kafkaPort).logDirRoot(work.path()).start());
        } catch (RuntimeException e) {
            if (isBindFailure(e)) {
                throw PortCheck.busy("TCP", options.kafkaPort, "Kafka broker", "--kafka-port");
            }
            throw e;
        }
        kafka.createTopic(TOPIC, 1);
        step("2/4", "Kafka broker (KRaft, one node)", kafka.bootstrapServers() + ", topic " + TOPIC, t0);

        t0 = System.nanoTime();
        Path pluginPath = work.path().resolve("plugins");
        archive.unpackInto(pluginPath);
        Map<String, String> worker = new LinkedHashMap<>();
        worker.put("listeners", "http://" + PortCheck.HOST + ":" + options.connectPort);
        worker.put("plugin.path", pluginPath.toString());
        worker.put("plugin.discovery", "service_load");
        try {
            connect = register(EmbeddedConnect.standalone(kafka, worker));
        } catch (RuntimeException e) {
            if (isBindFailure(e)) {
                throw PortCheck.busy("TCP", options.connectPort, "Connect REST API", "--connect-port");
            }
            throw e;
        }
        PluginInfo plugin = connect.connectorPlugins(true).stream()
                .filter(p -> CONNECTOR_CLASS.equals(p.className())).findFirst()
                .orElseThrow(() -> new QuickstartException("quickstart: the worker did not find " + CONNECTOR_CLASS
                        + " in plugin.path " + pluginPath, QuickstartException.FAILED));
        step("3/4", "Connect worker (standalone)", connect.restUrl(), t0);
        out.println("        plugin " + plugin.className() + " " + plugin.version() + " from plugin.path " + pluginPath);

        t0 = System.nanoTime();
        Map<String, String> config = connectorConfig();
        connect.createOrUpdateConnector(CONNECTOR, config);
        Map<String, String> secure = secureConnectorConfig();
        connect.createOrUpdateConnector(SECURE_CONNECTOR, secure);
        connect.awaitConnectorRunning(CONNECTOR, 1, STEP_TIMEOUT);
        connect.awaitConnectorRunning(SECURE_CONNECTOR, 1, STEP_TIMEOUT);
        step("4/4", "Connectors " + CONNECTOR + ", " + SECURE_CONNECTOR, "RUNNING", t0);
        config.forEach((k, v) -> out.println("        " + k + "=" + v));
        out.println("      and, over DTLS with a pre-shared key:");
        secure.forEach((k, v) -> out.println("        " + k + "=" + (k.equals("connect.coap.password") ? "********" : v)));

        out.println();
        out.println("Producing " + samples.size() + " sample User records to " + TOPIC
                + "; the CoAP server prints each request as it arrives:");
        out.println("  time         method type  over  resource        response  payload");
        for (String record : SampleUsers.RECORDS) {
            kafka.send(TOPIC, (String) null, record);
        }
    }

    Map<String, String> connectorConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", CONNECTOR);
        c.put("connector.class", "CoapSinkConnector");
        c.put("tasks.max", "1");
        c.put("connect.coap.uri", "coap://" + PortCheck.HOST + ":" + server.plainPort());
        c.put("connect.coap.kcql", KCQL);
        c.put("topics", TOPIC);
        c.put("connect.progress.enabled", "true");
        // Everything the quickstart starts stays on loopback (the default binds every local address).
        c.put("connect.coap.host", PortCheck.HOST);
        // The sink parses the JSON text itself: field order is kept (JsonConverter would hand it a HashMap) and a
        // value that is not JSON meets the sink's own connect.coap.plain.string.policy.
        c.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        return c;
    }

    /** The second connector: the same topic to another resource, over DTLS with the test server's PSK. */
    Map<String, String> secureConnectorConfig() {
        Map<String, String> c = connectorConfig();
        c.put("name", SECURE_CONNECTOR);
        c.put("connect.coap.uri", "coaps://" + PortCheck.HOST + ":" + server.dtlsPort());
        c.put("connect.coap.kcql", SECURE_KCQL);
        c.put("connect.coap.username", PSK_IDENTITY);
        c.put("connect.coap.password", PSK_SECRET);
        c.remove("connect.progress.enabled");
        return c;
    }

    /** Waits until every sample arrived over both connectors or the timeout passed; returns how many arrived over plain CoAP. */
    int awaitSamples(Duration timeout) {
        try {
            Waits.untilTrue("the sample records at " + resourceUri() + " and " + secureResourceUri(), timeout,
                    () -> arrived.size() == samples.size() && arrivedSecure.size() == samples.size());
        } catch (AssertionError e) {
            // reported by the summary lines
        }
        return arrived.size();
    }

    int arrivedSecure() {
        return arrivedSecure.size();
    }

    String secureResourceUri() {
        return server.dtlsUri() + "/" + SECURE_RESOURCE;
    }

    int sampleCount() {
        return samples.size();
    }

    String resourceUri() {
        return server.plainUri() + "/" + RESOURCE;
    }

    void printHowTo() {
        String produce = "./quickstart.sh produce"
                + (options.kafkaPort == DemoOptions.DEFAULT_KAFKA_PORT ? "" : " --kafka-port " + options.kafkaPort);
        String bootstrap = kafka.bootstrapServers();
        String uri = resourceUri();
        out.println();
        out.println("Send your own records (in another terminal, while this runs):");
        out.println("  " + produce + " '{\"firstName\": \"Grace\", \"lastName\": \"Hopper\", \"age\":45, \"salary\": 7100}'");
        out.println("  # with Kafka's console producer or kcat, if you have them (one JSON value per line):");
        out.println("  kafka-console-producer.sh --bootstrap-server " + bootstrap + " --topic " + TOPIC);
        out.println("  echo '{\"firstName\": \"Grace\"}' | kcat -P -b " + bootstrap + " -t " + TOPIC);
        out.println("Look at the resource with a CoAP client (Debian/Ubuntu: apt install libcoap3-bin):");
        out.println("  coap-client-notls -m get " + uri + "              # all payloads, JSON array");
        out.println("  coap-client-notls -m get '" + uri + "?last'       # the latest payload");
        out.println("  coap-client-notls -m get -s 60 " + uri + "        # observe for 60 s");
        out.println("  coap-client-openssl -m get -u " + PSK_IDENTITY + " -k " + PSK_SECRET + " " + secureResourceUri()
                + "   # over DTLS");
        out.println("Connector status: curl -s " + connect.restUrl() + "connectors/" + CONNECTOR + "/status");
        out.println("Press Ctrl-C to stop everything (connector, worker, broker, CoAP server) and remove the temp data.");
    }

    private void received(ReceivedRequest r) {
        String payload = r.payloadText();
        if (r.success()) {
            try {
                JsonNode node = JSON.readTree(payload);
                int i = samples.indexOf(node);
                if (i >= 0) {
                    (r.secure() && r.path().equals(SECURE_RESOURCE) ? arrivedSecure : arrived).add(i);
                }
            } catch (IOException notJson) {
                // still printed below
            }
        }
        String time = LocalTime.ofInstant(r.receivedAt(), ZoneId.systemDefault()).format(TIME);
        String resource = r.path() + (r.query() == null || r.query().isEmpty() ? "" : "?" + r.query());
        String line = String.format("  %s %-6s %-5s %-5s /%-14s %-9s %s", time, r.method(), r.confirmable() ? "CON" : "NON",
                r.secure() ? "DTLS" : "UDP", resource, r.response() == null ? "dropped" : r.response().text, payload);
        out.println(line.stripTrailing());
    }

    private void step(String n, String what, String detail, long t0) {
        out.printf("[%s] %-31s %s (%.1f s)%n", n, what, detail, (System.nanoTime() - t0) / 1e9);
    }

    private synchronized <T extends AutoCloseable> T register(T resource) {
        resources.push(resource);
        if (closing) {
            throw new QuickstartException("quickstart: stopped while starting", QuickstartException.FAILED);
        }
        return resource;
    }

    /** Stops the connector, worker, broker and server (in that order) and deletes the temp data. Idempotent. */
    @Override
    public void close() {
        List<AutoCloseable> toClose = new ArrayList<>();
        synchronized (this) {
            if (closing) {
                awaitClosed();
                return;
            }
            closing = true;
            toClose.addAll(resources);
            resources.clear();
        }
        if (toClose.isEmpty()) {
            closed.countDown();
            return;
        }
        try {
            out.println("quickstart: stopping ...");
            if (connect != null) {
                try {
                    connect.deleteConnector(CONNECTOR);
                    connect.awaitConnectorGone(CONNECTOR, Duration.ofSeconds(30));
                } catch (RuntimeException | AssertionError e) {
                    out.println("quickstart: could not delete connector " + CONNECTOR + " first (" + e.getMessage()
                            + "); stopping the worker anyway");
                }
            }
            for (AutoCloseable r : toClose) {
                try {
                    r.close();
                } catch (Exception e) {
                    out.println("quickstart: error while stopping " + r + ": " + e);
                }
            }
            out.println("quickstart: stopped; temp data removed");
        } finally {
            closed.countDown();
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.BindException) {
                return true;
            }
            String msg = c.getMessage();
            if (msg != null && (msg.contains("Address already in use") || msg.contains("could not bind"))) {
                return true;
            }
        }
        return false;
    }
}
