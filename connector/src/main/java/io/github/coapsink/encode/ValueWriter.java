package io.github.coapsink.encode;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Writes Connect values (with a schema) and plain Java values (without one) to a
 * {@link JsonGenerator}. Stateless and thread-safe. Problems are reported as {@link ValueError}s
 * that carry the path of the offending field.
 *
 * <p>See {@code docs/payloads.md} for the mapping. In short: integers and floats are JSON numbers
 * (NaN and infinities are errors), {@code Decimal} is an exact JSON number, {@code Date},
 * {@code Time} and {@code Timestamp} are ISO-8601 strings in UTC, bytes are base64 strings, maps
 * are objects when their keys are primitive (and arrays of {@code {"key":..,"value":..}} entries
 * when keys are structs, arrays or maps), structs are objects in schema order.
 *
 * <p>The {@link #CBOR} instance walks the same way for a CBOR generator, with CBOR's own forms where
 * CBOR has them: bytes are byte strings (Jackson writes them natively), {@code Decimal} is a decimal
 * fraction (tag 4), {@code Timestamp} and {@code java.util.Date} are epoch seconds (tag 1), {@code Date}
 * is days since 1970-01-01 (tag 100, RFC 8943), {@code Time} stays the JSON string, NaN and infinities
 * are written as such. Objects and arrays are definite-length. Into a generator that is not CBOR (the
 * token buffer a nested IGNORE edits) a tagged value goes as a {@link Tagged} embedded object, which
 * {@link #writeNode} later writes with its tag.
 */
final class ValueWriter {

    static final ValueWriter INSTANCE = new ValueWriter(false);
    static final ValueWriter CBOR = new ValueWriter(true);

    /** CBOR tags (RFC 8949 section 3.4, RFC 8943). */
    static final int TAG_EPOCH_SECONDS = 1;
    static final int TAG_EPOCH_DAYS = 100;

    /** A CBOR tag and its number, held in a token buffer until the value reaches the CBOR generator. */
    record Tagged(int tag, Number content) {
    }

    private static final long MILLIS_PER_DAY = 86_400_000L;

    /** Always three fraction digits: {@code 2024-03-01T13:45:30.000Z}. */
    private static final DateTimeFormatter INSTANT =
            new DateTimeFormatterBuilder().appendInstant(3).toFormatter(Locale.ROOT);

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    private final boolean cbor;

    private ValueWriter(boolean cbor) {
        this.cbor = cbor;
    }

    /** Writes {@code value} as described by {@code schema}; a null schema means a schemaless value. */
    void write(JsonGenerator g, Schema schema, Object value) throws IOException {
        if (schema == null) {
            writeSchemaless(g, value);
            return;
        }
        if (value == null) {
            g.writeNull();
            return;
        }
        String logical = schema.name();
        if (logical != null && writeLogical(g, logical, schema, value)) {
            return;
        }
        switch (schema.type()) {
            case INT8, INT16, INT32, INT64 -> writeInteger(g, schema, value);
            case FLOAT32, FLOAT64 -> writeFloating(g, schema, value);
            case BOOLEAN -> {
                if (!(value instanceof Boolean b)) {
                    throw mismatch(schema, "java.lang.Boolean", value);
                }
                g.writeBoolean(b);
            }
            case STRING -> {
                if (!(value instanceof String s)) {
                    throw mismatch(schema, "java.lang.String", value);
                }
                g.writeString(s);
            }
            case BYTES -> {
                if (!writeBinary(g, value)) {
                    throw mismatch(schema, "byte[] or java.nio.ByteBuffer", value);
                }
            }
            case ARRAY -> {
                if (!(value instanceof Collection<?> c)) {
                    throw mismatch(schema, "java.util.List", value);
                }
                writeArray(g, schema.valueSchema(), c);
            }
            case MAP -> {
                if (!(value instanceof Map<?, ?> m)) {
                    throw mismatch(schema, "java.util.Map", value);
                }
                writeMap(g, schema, m);
            }
            case STRUCT -> {
                if (!(value instanceof Struct s)) {
                    throw mismatch(schema, Struct.class.getName(), value);
                }
                writeStruct(g, s);
            }
            default -> throw new ValueError("unsupported Connect schema type " + schema.type());
        }
    }

    /** Fields in schema order; a null field is written as JSON null (after the schema default). */
    void writeStruct(JsonGenerator g, Struct struct) throws IOException {
        List<Field> fields = struct.schema().fields();
        g.writeStartObject(struct, fields.size());
        for (Field field : fields) {
            g.writeFieldName(field.name());
            try {
                write(g, field.schema(), struct.get(field));
            } catch (ValueError e) {
                throw e.atField(field.name());
            }
        }
        g.writeEndObject();
    }

    private boolean writeLogical(JsonGenerator g, String logical, Schema schema, Object value) throws IOException {
        switch (logical) {
            case Decimal.LOGICAL_NAME -> {
                if (!(value instanceof BigDecimal d)) {
                    throw mismatch(schema, "java.math.BigDecimal", value);
                }
                g.writeNumber(d);
                return true;
            }
            case Date.LOGICAL_NAME -> {
                java.util.Date date = asDate(schema, value);
                if (cbor) {
                    writeTagged(g, TAG_EPOCH_DAYS, Math.floorDiv(date.getTime(), MILLIS_PER_DAY));
                } else {
                    g.writeString(formatDate(date));
                }
                return true;
            }
            case Time.LOGICAL_NAME -> {
                g.writeString(formatTime(asDate(schema, value)));
                return true;
            }
            case Timestamp.LOGICAL_NAME -> {
                writeInstant(g, asDate(schema, value));
                return true;
            }
            default -> {
                return false; // other names (e.g. Debezium's) are written by their physical type
            }
        }
    }

    private void writeInstant(JsonGenerator g, java.util.Date d) throws IOException {
        if (cbor) {
            writeTagged(g, TAG_EPOCH_SECONDS, epochSeconds(d.getTime()));
        } else {
            g.writeString(formatInstant(d));
        }
    }

    /** Whole seconds as an integer, otherwise a float (milliseconds survive the round trip). */
    static Number epochSeconds(long millis) {
        return millis % 1000 == 0 ? (Number) (millis / 1000) : (Number) (millis / 1000.0);
    }

    private static void writeTagged(JsonGenerator g, int tag, Number content) throws IOException {
        if (g instanceof CBORGenerator c) {
            c.writeTag(tag);
            writeNumber(g, content);
        } else {
            g.writeEmbeddedObject(new Tagged(tag, content));
        }
    }

    private static void writeNumber(JsonGenerator g, Number n) throws IOException {
        if (n instanceof Long l) {
            g.writeNumber(l.longValue());
        } else {
            g.writeNumber(n.doubleValue());
        }
    }

    /**
     * A JSON tree (parsed text, or a projection's edited copy) to a CBOR generator: definite-length
     * containers, {@link Tagged} values with their tag.
     */
    void writeNode(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject(node, node.size());
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    g.writeFieldName(e.getKey());
                    writeNode(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray(node, node.size());
                for (JsonNode element : node) {
                    writeNode(g, element);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case BINARY -> g.writeBinary(node.binaryValue());
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT, LONG -> g.writeNumber(node.longValue());
                    case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                    case FLOAT -> g.writeNumber(node.floatValue());
                    case DOUBLE -> g.writeNumber(node.doubleValue());
                    case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                    default -> throw new IllegalStateException("unknown number type " + node.numberType());
                }
            }
            case POJO -> {
                Object pojo = ((POJONode) node).getPojo();
                if (pojo instanceof Tagged t) {
                    writeTagged(g, t.tag(), t.content());
                } else {
                    throw new ValueError("values of type " + Texts.typeOf(pojo) + " cannot be written as CBOR");
                }
            }
            default -> throw new IllegalStateException("unknown JSON node type " + node.getNodeType());
        }
    }

    private static java.util.Date asDate(Schema schema, Object value) {
        if (value instanceof java.util.Date d) {
            return d;
        }
        throw mismatch(schema, "java.util.Date", value);
    }

    private static void writeInteger(JsonGenerator g, Schema schema, Object value) throws IOException {
        if (value instanceof Integer i) {
            g.writeNumber(i.intValue());
        } else if (value instanceof Long l) {
            g.writeNumber(l.longValue());
        } else if (value instanceof Short s) {
            g.writeNumber(s.shortValue());
        } else if (value instanceof Byte b) {
            g.writeNumber(b.intValue());
        } else {
            throw mismatch(schema, "an integer (Byte, Short, Integer or Long)", value);
        }
    }

    private void writeFloating(JsonGenerator g, Schema schema, Object value) throws IOException {
        if (value instanceof Double d) {
            writeDouble(g, d);
        } else if (value instanceof Float f) {
            writeFloat(g, f);
        } else {
            throw mismatch(schema, "a Float or Double", value);
        }
    }

    private void writeDouble(JsonGenerator g, double d) throws IOException {
        if (!cbor && !Double.isFinite(d)) {
            throw nonFinite(d);
        }
        g.writeNumber(d);
    }

    private void writeFloat(JsonGenerator g, float f) throws IOException {
        if (!cbor && !Float.isFinite(f)) {
            throw nonFinite(f);
        }
        g.writeNumber(f);
    }

    private static ValueError nonFinite(double d) {
        return new ValueError("the number " + d + " cannot be written as JSON (JSON has no NaN or Infinity)");
    }

    /** Base64 (standard alphabet, padded, no line feeds); false when the value is not binary. */
    private static boolean writeBinary(JsonGenerator g, Object value) throws IOException {
        if (value instanceof byte[] b) {
            g.writeBinary(b);
            return true;
        }
        if (value instanceof ByteBuffer bb) {
            if (bb.hasArray()) {
                g.writeBinary(bb.array(), bb.arrayOffset() + bb.position(), bb.remaining());
            } else {
                g.writeBinary(copy(bb));
            }
            return true;
        }
        return false;
    }

    static byte[] copy(ByteBuffer bb) {
        byte[] bytes = new byte[bb.remaining()];
        bb.duplicate().get(bytes);
        return bytes;
    }

    private void writeArray(JsonGenerator g, Schema elementSchema, Collection<?> values) throws IOException {
        g.writeStartArray(values, values.size());
        int i = 0;
        for (Object element : values) {
            try {
                write(g, elementSchema, element);
            } catch (ValueError e) {
                throw e.atIndex(i);
            }
            i++;
        }
        g.writeEndArray();
    }

    private void writeMap(JsonGenerator g, Schema schema, Map<?, ?> map) throws IOException {
        Schema keySchema = schema.keySchema();
        Schema valueSchema = schema.valueSchema();
        if (hasComplexKeys(schema)) {
            // JSON object keys are strings: struct/array/map keys become an array of entries.
            g.writeStartArray(map, map.size());
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeStartObject(e, 2);
                try {
                    g.writeFieldName("key");
                    write(g, keySchema, e.getKey());
                    g.writeFieldName("value");
                    write(g, valueSchema, e.getValue());
                } catch (ValueError err) {
                    throw err.atIndex(i);
                }
                g.writeEndObject();
                i++;
            }
            g.writeEndArray();
            return;
        }
        g.writeStartObject(map, map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = keyText(keySchema, e.getKey());
            g.writeFieldName(key);
            try {
                write(g, valueSchema, e.getValue());
            } catch (ValueError err) {
                throw err.atField(key);
            }
        }
        g.writeEndObject();
    }

    /** True for a MAP schema whose keys are structs, arrays or maps (written as an entry array). */
    static boolean hasComplexKeys(Schema mapSchema) {
        return switch (mapSchema.keySchema().type()) {
            case STRUCT, ARRAY, MAP -> true;
            default -> false;
        };
    }

    /** The JSON object key for a map key described by {@code keySchema} (null: schemaless). */
    static String keyText(Schema keySchema, Object key) {
        if (key == null) {
            throw new ValueError("a map key is null; JSON object keys cannot be null");
        }
        if (keySchema != null && keySchema.name() != null) {
            switch (keySchema.name()) {
                case Decimal.LOGICAL_NAME -> {
                    if (key instanceof BigDecimal d) {
                        return d.toPlainString();
                    }
                    throw mismatch(keySchema, "java.math.BigDecimal", key);
                }
                case Date.LOGICAL_NAME -> {
                    return formatDate(asDate(keySchema, key));
                }
                case Time.LOGICAL_NAME -> {
                    return formatTime(asDate(keySchema, key));
                }
                case Timestamp.LOGICAL_NAME -> {
                    return formatInstant(asDate(keySchema, key));
                }
                default -> {
                    // by physical type below
                }
            }
        }
        if (key instanceof String s) {
            return s;
        }
        if (key instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (key instanceof Number || key instanceof Boolean || key instanceof Character) {
            return String.valueOf(key);
        }
        if (key instanceof java.util.Date d) {
            return formatInstant(d);
        }
        if (key instanceof byte[] b) {
            return Base64Variants.getDefaultVariant().encode(b);
        }
        if (key instanceof ByteBuffer bb) {
            return Base64Variants.getDefaultVariant().encode(copy(bb));
        }
        throw new ValueError("a map key of type " + Texts.typeOf(key) + " cannot be a JSON object key");
    }

    /** Values without a schema: the Java types JsonConverter (schemas off) and users produce. */
    void writeSchemaless(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Integer i) {
            g.writeNumber(i.intValue());
        } else if (value instanceof Long l) {
            g.writeNumber(l.longValue());
        } else if (value instanceof Double d) {
            writeDouble(g, d);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Map<?, ?> m) {
            g.writeStartObject(m, m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = keyText(null, e.getKey());
                g.writeFieldName(key);
                try {
                    writeSchemaless(g, e.getValue());
                } catch (ValueError err) {
                    throw err.atField(key);
                }
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            writeArray(g, null, list);
        } else if (value instanceof Struct s) {
            writeStruct(g, s);
        } else if (value instanceof Float f) {
            writeFloat(g, f);
        } else if (value instanceof Short s) {
            g.writeNumber(s.shortValue());
        } else if (value instanceof Byte b) {
            g.writeNumber(b.intValue());
        } else if (value instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (value instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (writeBinary(g, value)) {
            // done
        } else if (value instanceof java.util.Date d) {
            writeInstant(g, d);
        } else if (value instanceof JsonNode node) {
            if (cbor) {
                writeNode(g, node);
            } else {
                g.writeTree(node); // parsed JSON documents and projected trees
            }
        } else if (value instanceof Collection<?> c) {
            writeArray(g, null, c);
        } else {
            throw new ValueError("values of type " + Texts.typeOf(value) + " cannot be written as JSON");
        }
    }

    static String formatInstant(java.util.Date d) {
        // getTime(), not toInstant(): java.sql.Date.toInstant() throws.
        return INSTANT.format(Instant.ofEpochMilli(d.getTime()));
    }

    static String formatDate(java.util.Date d) {
        return LocalDate.ofEpochDay(Math.floorDiv(d.getTime(), MILLIS_PER_DAY)).toString();
    }

    static String formatTime(java.util.Date d) {
        long millis = d.getTime();
        if (millis < 0 || millis >= MILLIS_PER_DAY) {
            throw new ValueError("a Time value must be within one day (0 to 86399999 ms), got " + millis + " ms");
        }
        return TIME.format(LocalTime.ofNanoOfDay(millis * 1_000_000L));
    }

    private static ValueError mismatch(Schema schema, String expected, Object value) {
        String type = schema.name() != null ? schema.name() : schema.type().toString();
        return new ValueError("the schema says " + type + " (" + expected + ") but the value is a "
                + Texts.typeOf(value));
    }
}
