package io.github.coapsink.bench;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * The seed's {@code User} record, {@code {"firstName": "John", "lastName": "Smith", "age":30, "salary": 4830}}.
 * Every record is the seed's record except that {@code salary} carries the record's sequence number, so the
 * server can count distinct records; the shape (and, within a few bytes, the size) is the seed's.
 */
public final class Users {

    public static final Schema SCHEMA = SchemaBuilder.struct().name("User")
            .field("firstName", Schema.STRING_SCHEMA)
            .field("lastName", Schema.STRING_SCHEMA)
            .field("age", Schema.INT32_SCHEMA)
            .field("salary", Schema.INT32_SCHEMA)
            .build();

    private static final String ENVELOPE_SCHEMA = "{\"type\":\"struct\",\"name\":\"User\",\"optional\":false,\"fields\":["
            + "{\"field\":\"firstName\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"lastName\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"age\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"salary\",\"type\":\"int32\",\"optional\":false}]}";

    private Users() {
    }

    public static Struct struct(int id) {
        return new Struct(SCHEMA).put("firstName", "John").put("lastName", "Smith").put("age", 30).put("salary", id);
    }

    /** The bare JSON document (what the sink sends; what {@code string} format puts in Kafka). */
    public static String json(int id) {
        return "{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":" + id + "}";
    }

    /** The Kafka record value for a value format. */
    public static byte[] kafkaValue(ValueFormat format, int id) {
        String s = format == ValueFormat.STRUCT
                ? "{\"schema\":" + ENVELOPE_SCHEMA + ",\"payload\":" + json(id) + "}"
                : json(id);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The record's sequence number from a payload: the digits after {@code "salary":}; -1 if none. Hand-rolled so the
     * counting server stays cheap at tens of thousands of requests per second.
     */
    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();
    private static final com.fasterxml.jackson.dataformat.cbor.CBORFactory CBOR =
            new com.fasterxml.jackson.dataformat.cbor.CBORFactory();

    /**
     * Every record id in a payload of the given CoAP Content-Format: JSON (50, hand-rolled, the hot path),
     * CBOR (60: the "salary" key's integer), SenML JSON or CBOR (110, 112: v of the record named ".../salary").
     */
    public static void forEachId(byte[] payload, int contentFormat, java.util.function.IntConsumer action) {
        if (contentFormat != 60 && contentFormat != 110 && contentFormat != 112) {
            forEachId(payload, action);
            return;
        }
        boolean senml = contentFormat != 60;
        String valueKey = contentFormat == 112 ? "2" : "v";
        String nameKey = contentFormat == 112 ? "0" : "n";
        try (com.fasterxml.jackson.core.JsonParser p = contentFormat == 110 ? JSON.createParser(payload)
                : CBOR.createParser(payload)) {
            String field = null;
            boolean salary = false;
            for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case FIELD_NAME -> field = p.currentName();
                    case VALUE_STRING -> {
                        if (senml && nameKey.equals(field)) {
                            salary = p.getText().endsWith("salary");
                        }
                    }
                    case VALUE_NUMBER_INT -> {
                        if (senml ? salary && valueKey.equals(field) : "salary".equals(field)) {
                            action.accept(p.getIntValue());
                        }
                    }
                    default -> {
                        // structure
                    }
                }
            }
        } catch (java.io.IOException e) {
            // not a payload of ours: nothing counted
        }
    }

    /** Every record id in a JSON payload: one for a record, several for a batch (a JSON array of records). */
    public static void forEachId(byte[] payload, java.util.function.IntConsumer action) {
        int from = 0;
        while (true) {
            int at = indexOf(payload, SALARY, from);
            if (at < 0) {
                return;
            }
            action.accept(idOf(java.util.Arrays.copyOfRange(payload, at, Math.min(payload.length, at + SALARY.length + 12))));
            from = at + SALARY.length;
        }
    }

    private static int indexOf(byte[] payload, byte[] key, int from) {
        outer:
        for (int i = from; i + key.length <= payload.length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (payload[i + k] != key[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static int idOf(byte[] payload) {
        byte[] key = SALARY;
        outer:
        for (int i = 0; i + key.length <= payload.length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (payload[i + k] != key[k]) {
                    continue outer;
                }
            }
            int j = i + key.length;
            while (j < payload.length && payload[j] == ' ') {
                j++;
            }
            long v = 0;
            int digits = 0;
            while (j < payload.length && payload[j] >= '0' && payload[j] <= '9' && digits < 10) {
                v = v * 10 + (payload[j] - '0');
                j++;
                digits++;
            }
            return digits == 0 || v > Integer.MAX_VALUE ? -1 : (int) v;
        }
        return -1;
    }

    private static final byte[] SALARY = "\"salary\":".getBytes(StandardCharsets.US_ASCII);

    /** How the records sit in Kafka and which converter the connectors use. */
    public enum ValueFormat {
        /** JsonConverter with schemas: the task gets a {@link Struct}, as with Avro (the seed's format). */
        STRUCT("org.apache.kafka.connect.json.JsonConverter"),
        /** StringConverter: the task gets the JSON text. */
        STRING("org.apache.kafka.connect.storage.StringConverter");

        public final String converter;

        ValueFormat(String converter) {
            this.converter = converter;
        }
    }
}
