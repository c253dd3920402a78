package io.github.coapsink.reliability;

import io.github.coapsink.embedded.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Test records with a unique id each, and a bounded background producer. */
final class Records {

    private Records() {
    }

    /** {@code {"id":N,"pad":"..."}}: the id comes first so {@link Receipts} finds it cheaply. */
    static String json(int id) {
        return "{\"id\":" + id + ",\"pad\":\"reliability-test-record\"}";
    }

    /**
     * Produces ids {@code from} (inclusive) to {@code to} (exclusive) on a background thread, keyed by
     * id so they spread over the topic's partitions; the future completes once all are acknowledged.
     */
    static CompletableFuture<Void> produceInBackground(EmbeddedKafka kafka, String topic, int from, int to) {
        return CompletableFuture.runAsync(() -> produce(kafka, topic, from, to));
    }

    static void produce(EmbeddedKafka kafka, String topic, int from, int to) {
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer(Map.of())) {
            for (int id = from; id < to; id++) {
                producer.send(new ProducerRecord<>(topic, bytes(Integer.toString(id)), bytes(json(id))));
                if ((id - from) % 200 == 199) {
                    producer.flush();
                }
            }
            producer.flush();
            producer.close(java.time.Duration.ofSeconds(30));
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void await(CompletableFuture<?> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("producer failed", e);
        }
    }
}
