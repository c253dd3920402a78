package io.github.coapsink.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    @Test
    void roundTripHeadersTimestampsOffsetsAndCleanup() {
        Path dir;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokerProperty("log.retention.hours", "1").start()) {
            System.out.println("[timing] EmbeddedKafka start-up: " + kafka.startupDuration().toMillis() + " ms");
            dir = kafka.baseDir();
            assertThat(dir).exists();
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");

            kafka.createTopic("rt", 2);
            kafka.createTopic("rt", 2); // idempotent
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("h1", "v1");
            headers.put("h2", null);
            kafka.send("rt", "k1", "v1", 1_000L, headers);
            kafka.send("rt", "k2".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
            kafka.send("rt", null, (String) null);

            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("rt", 3, Duration.ofSeconds(20));
            assertThat(records).hasSize(3);
            ConsumerRecord<byte[], byte[]> first = records.stream()
                    .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals("k1"))
                    .findFirst().orElseThrow();
            assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("v1");
            assertThat(first.timestamp()).isEqualTo(1_000L);
            assertThat(first.headers().lastHeader("h1").value()).isEqualTo("v1".getBytes(StandardCharsets.UTF_8));
            assertThat(first.headers().lastHeader("h2").value()).isNull();
            assertThat(records).anySatisfy(r -> assertThat(r.value()).containsExactly(1, 2, 3));
            assertThat(records).anySatisfy(r -> assertThat(r.value()).isNull());

            assertThatThrownBy(() -> kafka.consume("rt", 4, Duration.ofSeconds(1)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("but got 3");

            // committed offsets via Admin
            assertThat(kafka.committedOffsets("nobody")).isEmpty();
            Map<String, Object> props = kafka.clientProperties();
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "g1");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.commitSync(Map.of(new TopicPartition("rt", 0), new OffsetAndMetadata(1),
                        new TopicPartition("rt", 1), new OffsetAndMetadata(0)));
            }
            assertThat(kafka.committedOffsets("g1"))
                    .containsEntry(new TopicPartition("rt", 0), 1L)
                    .containsEntry(new TopicPartition("rt", 1), 0L);
            assertThat(kafka.endOffsets("rt").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
        }
        assertThat(Files.exists(dir)).as("temp dir deleted on close").isFalse();
    }
}
