package io.github.coapsink;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.config.CongestionControl;
import io.github.coapsink.delivery.Batcher;
import io.github.coapsink.delivery.CongestionWindow;
import io.github.coapsink.delivery.DeliveryPipeline;
import io.github.coapsink.delivery.DeliveryStats;
import io.github.coapsink.delivery.FailureHandler;
import io.github.coapsink.delivery.ProgressLog;
import io.github.coapsink.delivery.RequestFactory;
import io.github.coapsink.delivery.TaskMetrics;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.response.KafkaResponseSink;
import io.github.coapsink.response.ResponseSettings;
import io.github.coapsink.response.ResponseSink;
import io.github.coapsink.send.CaliforniumSender;
import io.github.coapsink.send.CoapSender;
import io.github.coapsink.send.OutgoingRequest;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers records to the CoAP server. {@code put()} hands records to the {@link DeliveryPipeline}
 * and returns; it waits only while the window is full. Failures are decided here, on the task
 * thread, by the error policy; {@code preCommit()} reports only offsets whose records are done.
 */
public class CoapSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(CoapSinkTask.class);
    private static final String ERRORS_TOLERANCE = "errors.tolerance";
    private static final AtomicInteger LOCAL_IDS = new AtomicInteger();

    /** How long one wait for room in the window lasts before failures are looked at again. */
    private static final long WINDOW_WAIT_SLICE_MS = 100;
    /** How long put() waits in all for room in the window before it pauses consumption instead. */
    private static final long WINDOW_WAIT_BUDGET_MS = 500;
    /** While records are in flight, Connect is asked to call put() again this soon, so failures are decided promptly. */
    private static final long PENDING_POLL_MS = 250;

    /**
     * Records that may wait in open batches, per record of the window: enough for many devices to fill their
     * batches while lingering, few enough to bound memory; beyond it the oldest batch goes early.
     */
    private static final int HELD_PER_WINDOW = 4;

    private final Function<CoapSinkConfig, CoapSender> senderFactory;
    private final BiFunction<ResponseSettings, ResponseTarget, ResponseSink> responseSinkFactory;
    /** The clock that times batches' linger. */
    private final LongSupplier nanoTime;
    private CoapSinkConfig config;
    private Map<String, Route> routes;
    private RequestFactory requests;
    private CoapSender sender;
    private DeliveryPipeline pipeline;
    private FailureHandler failures;
    private DeliveryStats stats;
    private ProgressLog progress;
    private TaskMetrics metrics;
    private boolean pausedOnce;
    private Batcher batcher;
    private ResponseSink responses;
    /** Records held in open batches at most: then the oldest batch goes, lingering or not. */
    private int maxHeld;

    public CoapSinkTask() {
        this(CaliforniumSender::start);
    }

    /** For tests that bring their own sender. */
    CoapSinkTask(Function<CoapSinkConfig, CoapSender> senderFactory) {
        this(senderFactory, System::nanoTime);
    }

    /** For tests that also bring the clock that times batches' linger. */
    CoapSinkTask(Function<CoapSinkConfig, CoapSender> senderFactory, LongSupplier nanoTime) {
        this(senderFactory, nanoTime, (settings, target) -> KafkaResponseSink.start(settings, target.uriPrefix(),
                target.name()));
    }

    /** For tests that bring their own sender, clock and response sink. */
    CoapSinkTask(Function<CoapSinkConfig, CoapSender> senderFactory, LongSupplier nanoTime,
            BiFunction<ResponseSettings, ResponseTarget, ResponseSink> responseSinkFactory) {
        this.senderFactory = senderFactory;
        this.nanoTime = nanoTime;
        this.responseSinkFactory = responseSinkFactory;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new CoapSinkConfig(props);
        routes = new HashMap<>();
        for (Route route : config.routes()) {
            routes.put(route.topic(), route);
        }
        requests = new RequestFactory(new PayloadEncoder(config.plainStringPolicy(), config.payloadFormat(),
                config.bytesContentFormat(), config.senml()), config.method(), config.confirmable(),
                config.tombstonePolicy(), config.maxPayloadBytes(), config.optionsFromHeaders());
        batcher = new Batcher(config.batchMaxRecords(), config.batchMaxBytes(), config.batchLinger().toMillis(),
                requests, nanoTime);
        maxHeld = Math.max(HELD_PER_WINDOW * config.maxInFlight(), config.batchMaxRecords());
        if (config.batchMaxRecords() == 1 && !config.batchLinger().isZero()) {
            log.warn("{}={} has no effect with {}=1: records are not batched", CoapSinkConfig.BATCH_LINGER_MS,
                    config.batchLinger().toMillis(), CoapSinkConfig.BATCH_MAX_RECORDS);
        }
        stats = new DeliveryStats();
        failures = new FailureHandler(config.errorPolicy(), config.maxRetries(), config.retryInterval(),
                config.retryBackoffMax(), errantRecordReporter(props), stats, System::nanoTime,
                ThreadLocalRandom.current()::nextDouble);
        String connector = props.getOrDefault("name", "coap-sink");
        String taskId = taskId(connector, props);
        progress = config.progressEnabled()
                ? new ProgressLog(stats, config.progressInterval(), connector + " task " + taskId) : null;
        sender = senderFactory.apply(config);
        responses = config.responses().map(settings -> responseSinkFactory.apply(settings,
                new ResponseTarget(uriPrefix(config.uri()), connector + "-" + taskId))).orElse(null);
        CongestionWindow congestion = config.congestionControl() == CongestionControl.ADAPTIVE
                ? CongestionWindow.adaptive(config.maxInFlight()) : CongestionWindow.fixed(config.maxInFlight());
        pipeline = new DeliveryPipeline(sender, config.maxInFlight(), congestion, config.ordering(), stats, responses);
        metrics = TaskMetrics.register(connector, taskId, stats, pipeline, config.maxInFlight(), context, routes.keySet());
        log.info("CoAP sink task started: {} to {} with error policy {}{}; {} route(s){}", config.method(),
                config.uri(), config.errorPolicy(), failures.reports() ? " and Connect's errant record reporter" : "",
                routes.size(), responses == null ? "" : "; answers go to topic '"
                        + config.getString(CoapSinkConfig.RESPONSE_TOPIC).trim() + "'");
    }

    /** Where a task's response sink writes and what it is called. */
    record ResponseTarget(String uriPrefix, String name) {
    }

    /** The server's URI with the connector URI's path and no trailing '/': a request's resource is appended. */
    static String uriPrefix(java.net.URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.isEmpty() && !path.startsWith("/")) {
            path = "/" + path;
        }
        return uri.getScheme() + "://" + uri.getRawAuthority() + path;
    }

    /**
     * Connect does not tell a task its id; the connector numbers its task configs
     * ({@link CoapSinkConfig#TASK_INDEX}), which is the id Connect gives them. Without that key (a task
     * started by hand), the thread name {@code task-thread-<connector>-<id>} or a counter stands in.
     */
    private static String taskId(String connector, Map<String, String> props) {
        String index = props.get(CoapSinkConfig.TASK_INDEX);
        if (index != null) {
            return index;
        }
        String thread = Thread.currentThread().getName();
        String prefix = "task-thread-" + connector + "-";
        if (thread.startsWith(prefix)) {
            return thread.substring(prefix.length());
        }
        return "local-" + LOCAL_IDS.incrementAndGet();
    }

    /**
     * Connect's errant record reporter, when it can take a record: only with {@code errors.tolerance=all}.
     * Connect also creates one for {@code errors.log.enable=true} alone, but with the default tolerance
     * ({@code none}) every report fails the task ("Tolerance exceeded"), which would turn NOOP's skip into a
     * failure; then the error policy alone decides, and the sink logs what it skips.
     */
    private ErrantRecordReporter errantRecordReporter(Map<String, String> props) {
        ErrantRecordReporter available;
        try {
            available = context == null ? null : context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a worker older than Kafka 2.6
        }
        if (available == null) {
            return null;
        }
        String tolerance = props.getOrDefault(ERRORS_TOLERANCE, "none").trim();
        if (!"all".equalsIgnoreCase(tolerance)) {
            log.info("{}={}: records that cannot be delivered follow {}={} alone (Connect's errant record reporter "
                    + "takes records only with {}=all)", ERRORS_TOLERANCE, tolerance, CoapSinkConfig.ERROR_POLICY,
                    config.errorPolicy(), ERRORS_TOLERANCE);
            return null;
        }
        return available;
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        failures.handle(pipeline, true);
        long budgetEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WINDOW_WAIT_BUDGET_MS);
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
            if (rewind.containsKey(tp) || batcher.seen(tp, record.kafkaOffset()) || pipeline.alreadyAccepted(record)) {
                continue;
            }
            Route route = route(record);
            RequestFactory.Built built = requests.build(record, route);
            if (built instanceof RequestFactory.Send send) {
                if (!sendOrBatch(record, route, send.request(), budgetEnd)) {
                    rewind.put(tp, record.kafkaOffset());
                }
            } else if (built instanceof RequestFactory.Bad bad) {
                pipeline.acceptFailed(record, bad.reason(), bad.cause());
            } else {
                pipeline.acceptDone(record);
                stats.count(record.topic(), DeliveryStats.Event.SKIPPED);
            }
        }
        sendDueBatches(budgetEnd);
        if (!rewind.isEmpty()) {
            pauseAndRewind(rewind);
        }
        long nextRetryNanos = failures.handle(pipeline, true);
        if (rewind.isEmpty()) {
            // Only once nothing was thrown: after an exception Connect pauses everything itself to redeliver the
            // batch, and resuming then would mix new records into the batch it redelivers.
            resumeIfRoom();
        }
        long pollMs = pipeline.pending() > 0
                ? Math.max(1, Math.min(PENDING_POLL_MS, TimeUnit.NANOSECONDS.toMillis(nextRetryNanos))) : -1;
        long untilDue = batcher.nanosUntilDue();
        if (untilDue > 0) {
            // A lingering batch must go even if no record follows: put() is called again when it is due.
            long dueMs = Math.max(1, (untilDue + 999_999) / 1_000_000);
            pollMs = pollMs < 0 ? dueMs : Math.min(pollMs, dueMs);
        } else if (untilDue == 0 && pollMs < 0) {
            pollMs = PENDING_POLL_MS; // due but not sent (the pipeline is closing): try again
        }
        if (pollMs > 0) {
            context.timeout(pollMs);
        }
        if (progress != null) {
            progress.maybeLog(pipeline.pending() + batcher.held(), pipeline.inFlight());
        }
    }

    /**
     * Sends the request, or adds it to its lane's open batch. A request of a lane goes after the lane's open batch,
     * so it never overtakes the records held there. False when the window stayed full and the record was not taken.
     */
    private boolean sendOrBatch(SinkRecord record, Route route, OutgoingRequest request, long budgetEnd) {
        if (batcher.batchable(request)) {
            Batcher.Group first = batcher.blocking(record, request);
            if (first == null && batcher.held() >= maxHeld) {
                first = batcher.oldest(); // bounds what waits in batches, e.g. with many devices lingering
            }
            if (first != null && !submitBatch(first, budgetEnd)) {
                return false;
            }
            Batcher.Group full = batcher.add(record, route, request);
            if (full != null) {
                submitBatch(full, budgetEnd); // with the window full it stays held, and goes once due
            }
            return true;
        }
        Batcher.Group first = batcher.lane(record, request.address());
        if (first != null && !submitBatch(first, budgetEnd)) {
            return false;
        }
        return submit(List.of(record), request, budgetEnd);
    }

    /** Sends the batches whose linger is over, oldest first, until the window stays full. */
    private void sendDueBatches(long budgetEnd) {
        for (Batcher.Group group : batcher.due()) {
            if (!submitBatch(group, budgetEnd)) {
                return; // still held: the next put() tries again
            }
        }
    }

    private Route route(SinkRecord record) {
        Route route = routes.get(record.topic());
        if (route == null) {
            throw new ConnectException("No KCQL statement routes topic '" + record.topic() + "' (partition "
                    + record.kafkaPartition() + "): add 'INSERT INTO <resource> SELECT * FROM " + record.topic()
                    + "' to " + CoapSinkConfig.KCQL + " or stop subscribing to the topic");
        }
        return route;
    }

    /** Hands an open batch to the pipeline; false, and the batch stays held, when the window stayed full. */
    private boolean submitBatch(Batcher.Group group, long budgetEnd) {
        if (!submit(group.records(), group.request(), budgetEnd)) {
            return false;
        }
        batcher.sent(group);
        return true;
    }

    /** Waits for room in the window until {@code budgetEnd}; false when the window stayed full. */
    private boolean submit(List<SinkRecord> group, OutgoingRequest request, long budgetEnd) {
        try {
            while (true) {
                long left = budgetEnd - System.nanoTime();
                if (pipeline.submit(group, request, Math.max(0, Math.min(WINDOW_WAIT_SLICE_MS, left / 1_000_000)))) {
                    return true;
                }
                failures.handle(pipeline, true);
                if (budgetEnd - System.nanoTime() <= 0) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while waiting for room in the window", e);
        }
    }

    /**
     * Backpressure without holding the task thread: the records that did not fit are given back (the consumer
     * is rewound to the first of them) and consumption pauses until the window has room again, while Connect
     * keeps polling, committing and answering to stop requests.
     */
    private void pauseAndRewind(Map<TopicPartition, Long> rewind) {
        context.offset(rewind);
        Set<TopicPartition> assigned = context.assignment();
        context.pause(assigned.toArray(new TopicPartition[0]));
        pausedOnce = true;
        log.debug("Window of {} records full; pausing {} until it has room (resuming from {})",
                config.maxInFlight(), assigned, rewind);
    }

    /**
     * Resumes consumption whenever the window has room again. Once the task has paused, it resumes on every
     * {@code put()} with room rather than tracking what is paused: a rebalance may re-pause partitions behind the
     * task's back (Connect re-applies the task's pauses to reassigned partitions), and resuming is cheap and
     * idempotent.
     */
    private void resumeIfRoom() {
        if (pausedOnce && pipeline.pending() <= config.maxInFlight() / 2) {
            context.resume(context.assignment().toArray(new TopicPartition[0]));
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        failures.handle(pipeline, false);
        sendDueBatchesNow();
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        pipeline.committable().forEach((tp, offset) -> {
            if (currentOffsets.containsKey(tp)) {
                committable.put(tp, offset);
            }
        });
        // Records waiting in a batch are not in the pipeline yet: a partition's commit stops at the oldest of them.
        batcher.oldestOffsets().forEach((tp, oldest) -> committable.computeIfPresent(tp,
                (p, offset) -> offset.offset() <= oldest ? offset : new OffsetAndMetadata(oldest)));
        if (progress != null) {
            progress.maybeLog(pipeline.pending() + batcher.held(), pipeline.inFlight());
        }
        return committable;
    }

    /**
     * Sends the batches whose linger is over without waiting for room (preCommit must not hold the task thread,
     * and leaves failures to put()); what does not fit waits for the next put().
     */
    private void sendDueBatchesNow() {
        try {
            for (Batcher.Group group : batcher.due()) {
                if (!pipeline.submit(group.records(), group.request(), 0)) {
                    return;
                }
                batcher.sent(group);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while sending due batches", e);
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        if (batcher != null) {
            int dropped = batcher.drop(partitions);
            if (dropped > 0) {
                log.debug("{} record(s) waiting in batches of revoked partitions dropped; they will be consumed again",
                        dropped);
            }
        }
        if (pipeline != null) {
            pipeline.forget(partitions);
            failures.forget(partitions);
        }
    }

    @Override
    public void stop() {
        if (metrics != null) {
            metrics.close();
        }
        if (pipeline != null) {
            int waiting = batcher == null ? 0 : batcher.clear();
            log.info("CoAP sink task stopping with {} record(s) not yet delivered; they will be consumed again",
                    pipeline.pending() + waiting);
            pipeline.close();
        }
        if (sender != null) {
            sender.close();
        }
        if (responses != null) {
            responses.close();
        }
    }

    /** For tests: the pipeline of a started task. */
    DeliveryPipeline pipeline() {
        return pipeline;
    }

    DeliveryStats stats() {
        return stats;
    }

    TaskMetrics metrics() {
        return metrics;
    }
}
