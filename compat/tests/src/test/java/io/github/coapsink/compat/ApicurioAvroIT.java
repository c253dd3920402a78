package io.github.coapsink.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.apicurio.registry.utils.converter.avro.AvroData;
import io.apicurio.registry.utils.converter.avro.AvroDataConfig;
import io.github.coapsink.embedded.EmbeddedConnect;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro {@code User} records (the old manual's schema, plus a nested record, an optional union, an enum, a decimal
 * and a timestamp) through Apicurio's Avro-to-Connect mapping ({@link ApicurioAvroDataConverter} as
 * {@code value.converter}) into the built plugin in a Connect 4.4 worker: the exact JSON each record becomes. Three
 * records are written with Avro's own writer, as a producer application does; one by Apicurio's Connect-to-Avro
 * mapping, as a source connector with Apicurio's converter does.
 */
class ApicurioAvroIT {
    static final String USER_SCHEMA = """
            {"type":"record","name":"User","namespace":"io.github.coapsink.example","fields":[
              {"name":"firstName","type":"string"},
              {"name":"lastName","type":"string"},
              {"name":"age","type":"int"},
              {"name":"salary","type":"double"},
              {"name":"address","type":{"type":"record","name":"Address","fields":[
                {"name":"street","type":"string"},
                {"name":"city","type":"string"}]}},
              {"name":"nickname","type":["null","string"],"default":null},
              {"name":"status","type":{"type":"enum","name":"Status","symbols":["ACTIVE","SUSPENDED"]}},
              {"name":"balance","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
              {"name":"createdAt","type":{"type":"long","logicalType":"timestamp-millis"}}]}""";

    @TempDir
    Path pluginPath;

    @Test
    void avroUsersArriveAsExactJson() {
        PluginArchives.unpackInto(pluginPath);
        Schema schema = new Schema.Parser().parse(USER_SCHEMA);
        String topic = "users_avro";

        try (CoapTestServer server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
             EmbeddedKafka kafka = EmbeddedKafka.start();
             EmbeddedConnect connect = EmbeddedConnect.standalone(kafka,
                     Map.of("plugin.path", pluginPath.toString(), "plugin.discovery", "service_load"))) {
            kafka.createTopic(topic, 1);
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", "CoapSinkConnector");
            config.put("tasks.max", "1");
            config.put("topics", topic);
            config.put("connect.coap.uri", server.plainUri());
            config.put("connect.coap.host", "127.0.0.1");
            config.put("connect.coap.kcql", "INSERT INTO users SELECT * FROM " + topic);
            config.put("value.converter", ApicurioAvroDataConverter.class.getName());
            config.put("value.converter." + ApicurioAvroDataConverter.SCHEMA_CONFIG, USER_SCHEMA);
            connect.createOrUpdateConnector("coap-avro", config);
            connect.awaitConnectorRunning("coap-avro", 1, Duration.ofSeconds(60));

            kafka.send(topic, null, avro(schema, user(schema, "John", "Smith", 30, 4830, "Main St 1", "Oslo",
                    "Johnny", "ACTIVE", "1234.50", "2024-03-01T13:45:30.123Z")));
            kafka.send(topic, null, avro(schema, user(schema, "Jane", "Doe", 28, 5120.75, "Elm Rd 2", "Bergen",
                    null, "SUSPENDED", "-0.05", "1970-01-01T00:00:00Z")));
            kafka.send(topic, null, avro(schema, user(schema, "Ada", "Lovelace", 36, 6200.5, "Ørstedsvej 3",
                    "København", "", "ACTIVE", "99999999.99", "2026-12-01T23:59:59.999Z")));
            // the other direction of Apicurio's mapping, as a source connector with its converter writes Avro
            kafka.send(topic, null, fromConnect(topic, "Alan", "Turing", 41, 5990, null, "SUSPENDED",
                    new BigDecimal("0.00"), "1954-06-07T12:00:00Z"));

            await().atMost(Duration.ofSeconds(60)).until(() -> server.requests("users").size() >= 4);
            assertThat(server.requests("users")).extracting(ReceivedRequest::payloadText).containsExactly(
                    "{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830.0,"
                            + "\"address\":{\"street\":\"Main St 1\",\"city\":\"Oslo\"},\"nickname\":\"Johnny\","
                            + "\"status\":\"ACTIVE\",\"balance\":1234.50,\"createdAt\":\"2024-03-01T13:45:30.123Z\"}",
                    "{\"firstName\":\"Jane\",\"lastName\":\"Doe\",\"age\":28,\"salary\":5120.75,"
                            + "\"address\":{\"street\":\"Elm Rd 2\",\"city\":\"Bergen\"},\"nickname\":null,"
                            + "\"status\":\"SUSPENDED\",\"balance\":-0.05,\"createdAt\":\"1970-01-01T00:00:00.000Z\"}",
                    "{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"age\":36,\"salary\":6200.5,"
                            + "\"address\":{\"street\":\"Ørstedsvej 3\",\"city\":\"København\"},\"nickname\":\"\","
                            + "\"status\":\"ACTIVE\",\"balance\":99999999.99,"
                            + "\"createdAt\":\"2026-12-01T23:59:59.999Z\"}",
                    "{\"firstName\":\"Alan\",\"lastName\":\"Turing\",\"age\":41,\"salary\":5990.0,"
                            + "\"address\":{\"street\":\"Bletchley Park\",\"city\":\"Milton Keynes\"},"
                            + "\"nickname\":null,\"status\":\"SUSPENDED\",\"balance\":0.00,"
                            + "\"createdAt\":\"1954-06-07T12:00:00.000Z\"}");
        }
    }

    private static GenericRecord user(Schema schema, String first, String last, int age, double salary,
                                      String street, String city, String nickname, String status, String balance,
                                      String createdAt) {
        Schema addressSchema = schema.getField("address").schema();
        GenericRecord address = new GenericData.Record(addressSchema);
        address.put("street", street);
        address.put("city", city);
        Schema balanceSchema = schema.getField("balance").schema();
        ByteBuffer decimal = new Conversions.DecimalConversion().toBytes(new BigDecimal(balance), balanceSchema,
                LogicalTypes.decimal(10, 2));
        GenericRecord user = new GenericData.Record(schema);
        user.put("firstName", first);
        user.put("lastName", last);
        user.put("age", age);
        user.put("salary", salary);
        user.put("address", address);
        user.put("nickname", nickname);
        user.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), status));
        user.put("balance", decimal);
        user.put("createdAt", Instant.parse(createdAt).toEpochMilli());
        return user;
    }

    /** A Connect {@code Struct} written as Avro by {@link ApicurioAvroDataConverter} (Apicurio's Connect-to-Avro). */
    private static byte[] fromConnect(String topic, String first, String last, int age, double salary,
                                      String nickname, String status, BigDecimal balance, String createdAt) {
        // enum symbols survive Connect -> Avro only with Apicurio's (and Confluent's) enhanced schema support
        Map<String, String> configs = Map.of(ApicurioAvroDataConverter.SCHEMA_CONFIG, USER_SCHEMA,
                AvroDataConfig.ENHANCED_AVRO_SCHEMA_SUPPORT_CONFIG, "true");
        ApicurioAvroDataConverter converter = new ApicurioAvroDataConverter();
        converter.configure(configs, false);
        org.apache.kafka.connect.data.Schema schema =
                new AvroData(new AvroDataConfig(configs)).toConnectSchema(new Schema.Parser().parse(USER_SCHEMA));
        Struct address = new Struct(schema.field("address").schema())
                .put("street", "Bletchley Park").put("city", "Milton Keynes");
        Struct user = new Struct(schema).put("firstName", first).put("lastName", last).put("age", age)
                .put("salary", salary).put("address", address).put("nickname", nickname).put("status", status)
                .put("balance", balance).put("createdAt", Date.from(Instant.parse(createdAt)));
        return converter.fromConnectData(topic, schema, user);
    }

    private static byte[] avro(Schema schema, GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
