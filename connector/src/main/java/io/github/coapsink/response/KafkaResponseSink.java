package io.github.coapsink.response;

import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes response records with a producer of its own ({@code connect.coap.response.producer.*}). Records are
 * handed to the producer by one thread of this sink, in the order {@link #write} was called, so that a slow
 * broker (a full buffer, metadata not yet known) blocks that thread and never the CoAP sender's.
 */
public final class KafkaResponseSink implements ResponseSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaResponseSink.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final ResponseSettings settings;
    private final ResponseRecords records;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService handOver;

    KafkaResponseSink(ResponseSettings settings, String uriPrefix, String name,
            Function<ResponseSettings, Producer<byte[], byte[]>> producers) {
        this.settings = settings;
        this.records = new ResponseRecords(settings, uriPrefix);
        this.producer = producers.apply(settings);
        AtomicInteger threads = new AtomicInteger();
        this.handOver = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "coap-sink-responses-" + name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A sink whose producer is configured from {@code settings}; {@code name} (connector and task) names its
     * thread and, unless {@code client.id} is set, its client id.
     */
    public static KafkaResponseSink start(ResponseSettings settings, String uriPrefix, String name) {
        return new KafkaResponseSink(settings, uriPrefix, name, s -> {
            java.util.Map<String, Object> props = new java.util.HashMap<>(s.producer());
            props.putIfAbsent("client.id", name + "-coap-responses");
            return new KafkaProducer<>(props);
        });
    }

    @Override
    public boolean wants(SendResult result) {
        boolean completed = result.outcome() != SendResult.Outcome.TRANSIENT;
        return completed && settings.codes().accepts(result.responseCode());
    }

    @Override
    public CompletableFuture<Void> write(List<SinkRecord> inputs, OutgoingRequest request, SendResult result,
            long latencyNanos) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            handOver.execute(() -> produce(inputs, request, result, latencyNanos, written));
        } catch (RejectedExecutionException e) {
            written.completeExceptionally(new IllegalStateException("the response producer is closed"));
        }
        return written;
    }

    private void produce(List<SinkRecord> inputs, OutgoingRequest request, SendResult result, long latencyNanos,
            CompletableFuture<Void> written) {
        try {
            List<ProducerRecord<byte[], byte[]>> out = records.build(inputs, request, result, latencyNanos);
            AtomicInteger left = new AtomicInteger(out.size());
            for (ProducerRecord<byte[], byte[]> record : out) {
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        written.completeExceptionally(error);
                    } else if (left.decrementAndGet() == 0) {
                        written.complete(null);
                    }
                });
            }
        } catch (RuntimeException e) {
            written.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        handOver.shutdown();
        try {
            if (!handOver.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                handOver.shutdownNow();
            }
        } catch (InterruptedException e) {
            handOver.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            producer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("Closing the producer of {} failed: {}", settings.topic(), e.toString());
        }
    }
}
