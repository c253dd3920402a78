package io.github.coapsink.quickstart;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@code ./quickstart.sh produce [--kafka-port N] JSON...}: sends JSON values to the running demo's topic. */
final class Produce {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Produce() {
    }

    static void run(String[] args, PrintStream out) {
        int port = DemoOptions.DEFAULT_KAFKA_PORT;
        String topic = Demo.TOPIC;
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kafka-port" -> port = DemoOptions.port(args, ++i, "--kafka-port");
                case "--topic" -> {
                    if (++i >= args.length) {
                        throw new QuickstartException("quickstart: --topic needs a value", QuickstartException.USAGE);
                    }
                    topic = args[i];
                }
                default -> values.add(args[i]);
            }
        }
        if (values.isEmpty()) {
            throw new QuickstartException("quickstart: usage: ./quickstart.sh produce [--kafka-port N] [--topic T] "
                    + "'{\"firstName\": \"Grace\", \"lastName\": \"Hopper\", \"age\":45, \"salary\": 7100}' ...",
                    QuickstartException.USAGE);
        }
        for (String v : values) {
            try {
                JSON.readTree(v);
            } catch (IOException e) {
                // The demo's sink treats a non-JSON value as a bad record (plain.string.policy FAIL, error policy THROW): its task would fail.
                throw new QuickstartException("quickstart: not a JSON value: " + v + " ("
                        + e.getMessage().lines().findFirst().orElse("") + ")", QuickstartException.USAGE);
            }
        }
        String bootstrap = PortCheck.HOST + ":" + port;
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String v : values) {
                RecordMetadata m = producer.send(new ProducerRecord<>(topic, v.getBytes(StandardCharsets.UTF_8)))
                        .get(20, TimeUnit.SECONDS);
                out.println("quickstart: sent to " + m.topic() + " partition " + m.partition() + " offset " + m.offset()
                        + ": " + v);
            }
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw new QuickstartException("quickstart: cannot send to the Kafka broker at " + bootstrap
                    + "; is ./quickstart.sh running (with --kafka-port " + port + ")? (" + rootMessage(e) + ")",
                    QuickstartException.FAILED, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuickstartException("quickstart: interrupted", QuickstartException.FAILED, e);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
