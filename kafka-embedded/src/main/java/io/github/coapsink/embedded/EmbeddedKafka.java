package io.github.coapsink.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft Kafka broker (combined broker+controller) running in this JVM on 127.0.0.1,
 * with its data in a temp directory that {@link #close()} deletes.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopic("in", 2);
 *     kafka.send("in", "key", "value");
 *     List<ConsumerRecord<byte[], byte[]>> got = kafka.consume("in", 1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final int MAX_START_ATTEMPTS = 5;

    private final Path baseDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Duration startupDuration;
    private Admin admin;
    private KafkaProducer<byte[], byte[]> producer;
    private boolean closed;

    private EmbeddedKafka(Path baseDir, KafkaRaftServer server, String bootstrapServers, Duration startupDuration) {
        this.baseDir = baseDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.startupDuration = startupDuration;
    }

    /** Starts a broker with default options. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /** Options: ports, extra broker properties, log dir root. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Wall time {@link Builder#start()} took (formatting, start-up, first successful metadata call). */
    public Duration startupDuration() {
        return startupDuration;
    }

    /** Root temp directory (config and log dirs); deleted by {@link #close()}. */
    public Path baseDir() {
        return baseDir;
    }

    /** Properties every client needs to reach this broker. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Shared Admin client, closed by {@link #close()}. */
    public synchronized Admin admin() {
        ensureOpen();
        if (admin == null) {
            admin = Admin.create(clientProperties());
        }
        return admin;
    }

    /** Creates a topic with replication factor 1; an existing topic is left as it is. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with replication factor 1 and the given topic configs; an existing topic is left as it is. */
    public void createTopic(String name, int partitions, Map<String, String> topicConfigs) {
        try {
            admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(topicConfigs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + name, e.getCause());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + name, e);
        }
    }

    /** A new byte[] producer (acks=all) with optional overrides; the caller closes it. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> props = clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putAll(overrides);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private synchronized KafkaProducer<byte[], byte[]> sharedProducer() {
        ensureOpen();
        if (producer == null) {
            producer = producer(Map.of());
        }
        return producer;
    }

    /** Sends one record synchronously (any partition, timestamp, headers the record carries). */
    public RecordMetadata send(ProducerRecord<byte[], byte[]> record) {
        try {
            return sharedProducer().send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Send to " + record.topic() + " failed", e);
        }
    }

    /** Sends a byte[] record synchronously; key may be null. */
    public RecordMetadata send(String topic, byte[] key, byte[] value) {
        return send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends a UTF-8 String record synchronously; key and value may be null. */
    public RecordMetadata send(String topic, String key, String value) {
        return send(topic, utf8(key), utf8(value));
    }

    /**
     * Sends a byte[] record with an explicit timestamp (null = producer time) and String headers
     * (UTF-8, insertion order kept; a null header value is sent as null).
     */
    public RecordMetadata send(String topic, byte[] key, byte[] value, Long timestamp, Map<String, String> headers) {
        List<Header> hs = new ArrayList<>();
        if (headers != null) {
            headers.forEach((k, v) -> hs.add(new RecordHeader(k, utf8(v))));
        }
        return send(new ProducerRecord<>(topic, null, timestamp, key, value, hs));
    }

    /** String variant of {@link #send(String, byte[], byte[], Long, Map)}. */
    public RecordMetadata send(String topic, String key, String value, Long timestamp, Map<String, String> headers) {
        return send(topic, utf8(key), utf8(value), timestamp, headers);
    }

    /**
     * Reads at least {@code count} records from the start of every partition of {@code topic}
     * (no consumer group, nothing committed); returns the first {@code count} read.
     *
     * @throws AssertionError if fewer arrive within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count, Duration timeout) {
        Map<String, Object> props = clientProperties();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = Waits.until("partitions of topic " + topic, timeout, () -> {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(2));
                return infos == null || infos.isEmpty() ? Optional.empty()
                        : Optional.of(infos.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                        .collect(Collectors.toList()));
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (out.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("Expected " + count + " records in " + topic + " within " + timeout
                            + " but got " + out.size());
                }
                consumer.poll(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500))))
                        .forEach(out::add);
            }
        }
        return new ArrayList<>(out.subList(0, count));
    }

    /** Committed offsets of a consumer group (for a sink connector: {@code connect-<name>}); empty if none. */
    public Map<TopicPartition, Long> committedOffsets(String groupId) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin().listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> out = new LinkedHashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read committed offsets of group " + groupId, e);
        }
    }

    /** Log-end offsets of every partition of a topic. */
    public Map<TopicPartition, Long> endOffsets(String topic) {
        try {
            var desc = admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            desc.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> out = new LinkedHashMap<>();
            admin().listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read end offsets of " + topic, e);
        }
    }

    /** Stops clients and the broker, then deletes the temp directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        } finally {
            try {
                server.shutdown();
                server.awaitShutdown();
            } finally {
                TempDirs.deleteQuietly(baseDir);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("EmbeddedKafka is closed");
        }
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Start-up options. */
    public static final class Builder {
        private int brokerPort;
        private int controllerPort;
        private Path logDirRoot;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /** Fixed PLAINTEXT port (default 0 = a free port is picked, retried on a bind race). */
        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        /** Fixed CONTROLLER port (default 0 = a free port is picked). */
        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** Directory under which the temp dir is created (default: java.io.tmpdir). */
        public Builder logDirRoot(Path root) {
            this.logDirRoot = root;
            return this;
        }

        /** Extra/overriding broker property. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** Extra/overriding broker properties. */
        public Builder brokerProperties(Map<String, String> props) {
            brokerProperties.putAll(props);
            return this;
        }

        /** Deadline for the broker to answer metadata requests (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** Formats storage, starts the broker and waits until it serves metadata. */
        public EmbeddedKafka start() {
            long t0 = System.nanoTime();
            RuntimeException last = null;
            boolean fixedPorts = brokerPort != 0 || controllerPort != 0;
            for (int attempt = 1; attempt <= (fixedPorts ? 1 : MAX_START_ATTEMPTS); attempt++) {
                Path baseDir = TempDirs.create(logDirRoot, "embedded-kafka-");
                KafkaRaftServer server = null;
                try {
                    int bport = brokerPort != 0 ? brokerPort : Ports.freePort();
                    int cport = controllerPort != 0 ? controllerPort : Ports.freePort();
                    while (cport == bport) {
                        cport = Ports.freePort();
                    }
                    Properties props = brokerProps(baseDir.resolve("data"), bport, cport);
                    format(baseDir, props);
                    server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
                    server.startup();
                    String bootstrap = Ports.HOST + ":" + bport;
                    awaitReady(bootstrap);
                    return new EmbeddedKafka(baseDir, server, bootstrap, Duration.ofNanos(System.nanoTime() - t0));
                } catch (RuntimeException e) {
                    last = e;
                    if (server != null) {
                        try {
                            server.shutdown();
                            server.awaitShutdown();
                        } catch (RuntimeException suppressed) {
                            e.addSuppressed(suppressed);
                        }
                    }
                    TempDirs.deleteQuietly(baseDir);
                    if (!Ports.isBindFailure(e)) {
                        throw e;
                    }
                }
            }
            throw new IllegalStateException("Broker could not bind its ports", last);
        }

        private Properties brokerProps(Path dataDir, int bport, int cport) {
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@" + Ports.HOST + ":" + cport);
            p.put("listeners", "PLAINTEXT://" + Ports.HOST + ":" + bport + ",CONTROLLER://" + Ports.HOST + ":" + cport);
            p.put("advertised.listeners", "PLAINTEXT://" + Ports.HOST + ":" + bport);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("log.dirs", dataDir.toString());
            p.put("num.partitions", "1");
            p.put("default.replication.factor", "1");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "5");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "5");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("group.min.session.timeout.ms", "1000");
            p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "2");
            p.put("background.threads", "2");
            p.put("log.cleaner.threads", "1");
            p.put("auto.create.topics.enable", "true");
            p.putAll(brokerProperties);
            return p;
        }

        private static void format(Path baseDir, Properties props) {
            Path configFile = baseDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "embedded-kafka");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            String clusterId = Uuid.randomUuid().toString();
            int rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", configFile.toString()},
                    new PrintStream(buffer, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IllegalStateException("kafka-storage format failed (" + rc + "): "
                        + buffer.toString(StandardCharsets.UTF_8));
            }
        }

        private void awaitReady(String bootstrap) {
            try (Admin probe = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000))) {
                Waits.untilTrue("broker " + bootstrap + " to serve metadata", startupTimeout, () -> {
                    try {
                        Collection<?> nodes = probe.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                        return !nodes.isEmpty();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + ", " + baseDir + "]";
    }

    static String randomSuffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
