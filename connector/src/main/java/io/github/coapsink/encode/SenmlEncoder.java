package io.github.coapsink.encode;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.github.coapsink.kcql.Projection;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Turns one record value into a SenML pack (RFC 8428), in JSON ({@code application/senml+json}) or
 * CBOR ({@code application/senml+cbor}). The mapping ({@code docs/payloads.md} has the table):
 * <ul>
 *   <li>the (projected) value must be an object: a Struct, a Map or a JSON object;</li>
 *   <li>every non-null scalar in it is one SenML record, in field order; its name {@code n} is the field
 *       path, nested structs, maps and arrays (by index) joined with {@link #SEPARATOR};</li>
 *   <li>numbers (integers, floats, {@code Decimal}) are {@code v}, strings and the date/time logical types
 *       (as their JSON text) {@code vs}, booleans {@code vb}, bytes {@code vd};</li>
 *   <li>the first record carries the base name {@code bn} and the base time {@code bt}: the record's
 *       Kafka timestamp in seconds (an integer when it is whole seconds);</li>
 *   <li>a configured unit for the name is {@code u}.</li>
 * </ul>
 * A value with no scalar left, a NaN or infinity, or a name RFC 8428 section 4.5.1 forbids is an
 * {@link EncodingException}. Thread-safe.
 */
final class SenmlEncoder {

    /** Joins the field names of a nested value into one SenML name: {@code position/lat}. */
    static final String SEPARATOR = "/";

    /** SenML CBOR labels (RFC 8428 section 6). */
    private static final int BN = -2;
    private static final int BT = -3;
    private static final int N = 0;
    private static final int U = 1;
    private static final int V = 2;
    private static final int VS = 3;
    private static final int VB = 4;
    private static final int VD = 8;

    private enum Kind { NUMBER, STRING, BOOLEAN, DATA }

    private record Measurement(String name, Kind kind, Object value) {
    }

    private final boolean cbor;
    private final Map<String, String> units;
    private final JsonSupport json = JsonSupport.INSTANCE;
    private final Projector projector = new Projector(ValueWriter.INSTANCE, json);

    SenmlEncoder(boolean cbor, Map<String, String> units) {
        this.cbor = cbor;
        this.units = Map.copyOf(units);
    }

    /**
     * @param baseName the {@code bn} of the pack; null or empty leaves it out
     * @param timestampMillis the record's timestamp; null leaves {@code bt} out
     */
    byte[] encode(Schema valueSchema, Object value, Projection projection, String baseName, Long timestampMillis) {
        if (value == null) {
            throw new EncodingException("the record value is null (a tombstone): there is no payload to encode");
        }
        String bn = baseName == null || baseName.isEmpty() ? null : baseName;
        List<Measurement> measurements;
        try {
            measurements = measurements(valueSchema, value, projection);
        } catch (ValueError e) {
            throw new EncodingException(e.describe());
        } catch (IOException e) {
            throw new EncodingException("cannot read the value for SenML: " + Texts.cut(String.valueOf(e.getMessage()),
                    Texts.PREVIEW_CHARS));
        }
        if (measurements.isEmpty()) {
            throw new EncodingException("nothing SenML can carry: the value has no field with a non-null number, "
                    + "string, boolean or bytes (SenML has one record per such field; nulls are left out)");
        }
        for (Measurement m : measurements) {
            checkName(bn, m.name());
        }
        try {
            return write(measurements, bn, timestampMillis);
        } catch (IOException e) {
            throw new EncodingException("cannot write the SenML pack: " + Texts.cut(String.valueOf(e.getMessage()),
                    Texts.PREVIEW_CHARS));
        }
    }

    private List<Measurement> measurements(Schema valueSchema, Object value, Projection projection)
            throws IOException {
        Schema schema = valueSchema != null ? valueSchema : value instanceof Struct s ? s.schema() : null;
        Projector.Item root = new Projector.Item(schema, value);
        JsonNode text = text(schema, value);
        if (text != null) {
            root = new Projector.Item(null, text);
        } else if (!Projector.isObjectLike(schema, value)) {
            throw new EncodingException("SenML needs a value with fields (a Struct, a Map or a JSON object): each "
                    + "field becomes a SenML record, but the value is " + describe(schema, value));
        }
        Iterable<Map.Entry<String, Projector.Item>> fields = projection == null || projection.isIdentity()
                ? projector.topLevel(root) : projector.project(root, projection).entrySet();
        List<Measurement> out = new ArrayList<>();
        for (Map.Entry<String, Projector.Item> field : fields) {
            try {
                flatten(field.getKey(), field.getValue().schema(), field.getValue().value(), out);
            } catch (ValueError e) {
                throw e.atField(field.getKey());
            }
        }
        return out;
    }

    /** The JSON object in a string or bytes value, null when the value is not text. */
    private JsonNode text(Schema schema, Object value) {
        boolean textSchema = schema == null || schema.type() == Schema.Type.STRING
                || (schema.type() == Schema.Type.BYTES && !Decimal.LOGICAL_NAME.equals(schema.name()));
        if (!textSchema) {
            return null;
        }
        JsonNode tree;
        try {
            if (value instanceof String s) {
                tree = json.readTree(s);
            } else if (value instanceof byte[] b) {
                tree = json.readTree(b, 0, b.length);
            } else if (value instanceof ByteBuffer bb) {
                byte[] b = ValueWriter.copy(bb);
                tree = json.readTree(b, 0, b.length);
            } else {
                return null;
            }
        } catch (JsonProcessingException e) {
            throw new EncodingException("SenML needs a value with fields, but the value is " + kind(value)
                    + " that is not a JSON document: " + Texts.cut(String.valueOf(e.getOriginalMessage()), Texts.PREVIEW_CHARS));
        } catch (IOException e) {
            throw new EncodingException("cannot read the value as JSON: " + e.getMessage());
        }
        if (!(tree instanceof ObjectNode)) {
            throw new EncodingException("SenML needs a value with fields, but the value is " + kind(value)
                    + " holding " + (tree == null || tree.isMissingNode() ? "nothing" : "a JSON "
                    + tree.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        return tree;
    }

    private static String kind(Object value) {
        return value instanceof String ? "a string" : "bytes";
    }

    private void flatten(String name, Schema schema, Object value, List<Measurement> out) {
        if (value == null) {
            return; // nulls are left out
        }
        if (schema == null) {
            flattenSchemaless(name, value, out);
            return;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME -> {
                    out.add(new Measurement(name, Kind.NUMBER, expect(schema, BigDecimal.class, value)));
                    return;
                }
                case Date.LOGICAL_NAME -> {
                    out.add(new Measurement(name, Kind.STRING,
                            ValueWriter.formatDate(expect(schema, java.util.Date.class, value))));
                    return;
                }
                case Time.LOGICAL_NAME -> {
                    out.add(new Measurement(name, Kind.STRING,
                            ValueWriter.formatTime(expect(schema, java.util.Date.class, value))));
                    return;
                }
                case Timestamp.LOGICAL_NAME -> {
                    out.add(new Measurement(name, Kind.STRING,
                            ValueWriter.formatInstant(expect(schema, java.util.Date.class, value))));
                    return;
                }
                default -> {
                    // by physical type below
                }
            }
        }
        switch (schema.type()) {
            case INT8, INT16, INT32, INT64, FLOAT32, FLOAT64 -> out.add(number(name, expect(schema, Number.class, value)));
            case BOOLEAN -> out.add(new Measurement(name, Kind.BOOLEAN, expect(schema, Boolean.class, value)));
            case STRING -> out.add(new Measurement(name, Kind.STRING, expect(schema, String.class, value)));
            case BYTES -> out.add(bytes(name, schema, value));
            case ARRAY -> flattenList(name, schema.valueSchema(), expect(schema, Collection.class, value), out);
            case MAP -> {
                if (ValueWriter.hasComplexKeys(schema)) {
                    throw new ValueError("a map whose keys are " + schema.keySchema().type()
                            + "s has no SenML names (SenML names are text)");
                }
                flattenMap(name, schema.keySchema(), schema.valueSchema(), expect(schema, Map.class, value), out);
            }
            case STRUCT -> {
                Struct struct = expect(schema, Struct.class, value);
                for (Field f : struct.schema().fields()) {
                    try {
                        flatten(name + SEPARATOR + f.name(), f.schema(), struct.get(f), out);
                    } catch (ValueError e) {
                        throw e.atField(f.name());
                    }
                }
            }
            default -> throw new ValueError("unsupported Connect schema type " + schema.type());
        }
    }

    private void flattenSchemaless(String name, Object value, List<Measurement> out) {
        if (value instanceof String s) {
            out.add(new Measurement(name, Kind.STRING, s));
        } else if (value instanceof Number n) {
            out.add(number(name, n));
        } else if (value instanceof Boolean b) {
            out.add(new Measurement(name, Kind.BOOLEAN, b));
        } else if (value instanceof byte[] || value instanceof ByteBuffer) {
            out.add(bytes(name, null, value));
        } else if (value instanceof Map<?, ?> m) {
            flattenMap(name, null, null, m, out);
        } else if (value instanceof Collection<?> c) {
            flattenList(name, null, c, out);
        } else if (value instanceof Struct s) {
            flatten(name, s.schema(), s, out);
        } else if (value instanceof java.util.Date d) {
            out.add(new Measurement(name, Kind.STRING, ValueWriter.formatInstant(d)));
        } else if (value instanceof JsonNode node) {
            flattenNode(name, node, out);
        } else {
            throw new ValueError("values of type " + Texts.typeOf(value) + " cannot be written as SenML");
        }
    }

    private void flattenNode(String name, JsonNode node, List<Measurement> out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    try {
                        flattenNode(name + SEPARATOR + e.getKey(), e.getValue(), out);
                    } catch (ValueError err) {
                        throw err.atField(e.getKey());
                    }
                }
            }
            case ARRAY -> {
                int i = 0;
                for (JsonNode element : node) {
                    try {
                        flattenNode(name + SEPARATOR + i, element, out);
                    } catch (ValueError err) {
                        throw err.atIndex(i);
                    }
                    i++;
                }
            }
            case STRING -> out.add(new Measurement(name, Kind.STRING, node.textValue()));
            case NUMBER -> out.add(number(name, node.numberValue()));
            case BOOLEAN -> out.add(new Measurement(name, Kind.BOOLEAN, node.booleanValue()));
            case BINARY -> out.add(new Measurement(name, Kind.DATA, binary(node)));
            case NULL, MISSING -> {
                // left out
            }
            default -> throw new ValueError("a JSON " + node.getNodeType() + " cannot be written as SenML");
        }
    }

    private static byte[] binary(JsonNode node) {
        try {
            return node.binaryValue();
        } catch (IOException e) {
            throw new ValueError("unreadable binary value");
        }
    }

    private void flattenList(String name, Schema elementSchema, Collection<?> values, List<Measurement> out) {
        int i = 0;
        for (Object element : values) {
            try {
                flatten(name + SEPARATOR + i, elementSchema, element, out);
            } catch (ValueError e) {
                throw e.atIndex(i);
            }
            i++;
        }
    }

    private void flattenMap(String name, Schema keySchema, Schema valueSchema, Map<?, ?> map, List<Measurement> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = ValueWriter.keyText(keySchema, e.getKey());
            try {
                flatten(name + SEPARATOR + key, valueSchema, e.getValue(), out);
            } catch (ValueError err) {
                throw err.atField(key);
            }
        }
    }

    private static Measurement number(String name, Number n) {
        if ((n instanceof Double || n instanceof Float) && !Double.isFinite(n.doubleValue())) {
            throw new ValueError("the number " + n + " cannot be a SenML value (SenML values are finite numbers)");
        }
        return new Measurement(name, Kind.NUMBER, n);
    }

    private static Measurement bytes(String name, Schema schema, Object value) {
        if (value instanceof byte[] b) {
            return new Measurement(name, Kind.DATA, b);
        }
        if (value instanceof ByteBuffer bb) {
            return new Measurement(name, Kind.DATA, ValueWriter.copy(bb));
        }
        throw mismatch(schema, "byte[] or java.nio.ByteBuffer", value);
    }

    private static <T> T expect(Schema schema, Class<T> type, Object value) {
        if (!type.isInstance(value)) {
            throw mismatch(schema, type.getName(), value);
        }
        return type.cast(value);
    }

    private static ValueError mismatch(Schema schema, String expected, Object value) {
        String type = schema == null ? "BYTES" : schema.name() != null ? schema.name() : schema.type().toString();
        return new ValueError("the schema says " + type + " (" + expected + ") but the value is a "
                + Texts.typeOf(value));
    }

    /** RFC 8428 section 4.5.1: bn + n is non-empty, of A-Z a-z 0-9 - : . / _, and starts with a letter or digit. */
    private static void checkName(String bn, String n) {
        String full = bn == null ? n : bn + n;
        boolean ok = !full.isEmpty() && isAlnum(full.charAt(0));
        for (int i = 0; ok && i < full.length(); i++) {
            char c = full.charAt(i);
            ok = isAlnum(c) || c == '-' || c == ':' || c == '.' || c == '/' || c == '_';
        }
        if (!ok) {
            throw new EncodingException("the SenML name '" + Texts.preview(full, Texts.PREVIEW_CHARS) + "' (base name '"
                    + Texts.preview(bn == null ? "" : bn, Texts.PREVIEW_CHARS) + "' + field '"
                    + Texts.preview(n, Texts.PREVIEW_CHARS) + "') is not allowed by RFC 8428: names use only "
                    + "A-Z a-z 0-9 - : . / _ and start with a letter or digit; rename the field with KCQL's AS, "
                    + "or set connect.coap.senml.base.name");
        }
    }

    static java.util.Optional<String> baseNameProblem(String bn) {
        if (bn.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (!isAlnum(bn.charAt(0))) {
            return java.util.Optional.of("a SenML name must start with a letter or digit (RFC 8428 section 4.5.1), but '"
                    + Texts.preview(bn, Texts.PREVIEW_CHARS) + "' starts with '" + bn.charAt(0) + "'");
        }
        for (int i = 0; i < bn.length(); i++) {
            char c = bn.charAt(i);
            if (!(isAlnum(c) || c == '-' || c == ':' || c == '.' || c == '/' || c == '_')) {
                return java.util.Optional.of("SenML names use only A-Z a-z 0-9 - : . / _ (RFC 8428 section 4.5.1), but '"
                        + Texts.preview(bn, Texts.PREVIEW_CHARS) + "' has '" + c + "'");
            }
        }
        return java.util.Optional.empty();
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private byte[] write(List<Measurement> measurements, String bn, Long timestampMillis) throws IOException {
        BufferRecycler recycler = json.bufferRecycler();
        try (ByteArrayBuilder out = new ByteArrayBuilder(recycler)) {
            try (JsonGenerator g = cbor ? json.cborGenerator(out) : json.generator(out)) {
                g.writeStartArray(measurements, measurements.size());
                for (int i = 0; i < measurements.size(); i++) {
                    Measurement m = measurements.get(i);
                    String unit = units.get(m.name());
                    boolean first = i == 0;
                    int size = 2 + (unit != null ? 1 : 0)
                            + (first && bn != null ? 1 : 0) + (first && timestampMillis != null ? 1 : 0);
                    g.writeStartObject(m, size);
                    if (first && bn != null) {
                        label(g, "bn", BN);
                        g.writeString(bn);
                    }
                    if (first && timestampMillis != null) {
                        label(g, "bt", BT);
                        Number bt = ValueWriter.epochSeconds(timestampMillis);
                        if (bt instanceof Long l) {
                            g.writeNumber(l.longValue());
                        } else {
                            g.writeNumber(bt.doubleValue());
                        }
                    }
                    label(g, "n", N);
                    g.writeString(m.name());
                    if (unit != null) {
                        label(g, "u", U);
                        g.writeString(unit);
                    }
                    writeValue(g, m);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            return out.getClearAndRelease();
        } finally {
            recycler.releaseToPool();
        }
    }

    private void writeValue(JsonGenerator g, Measurement m) throws IOException {
        switch (m.kind()) {
            case NUMBER -> {
                label(g, "v", V);
                writeNumber(g, m.name(), (Number) m.value());
            }
            case STRING -> {
                label(g, "vs", VS);
                g.writeString((String) m.value());
            }
            case BOOLEAN -> {
                label(g, "vb", VB);
                g.writeBoolean((Boolean) m.value());
            }
            case DATA -> {
                label(g, "vd", VD);
                // JSON: base64url without padding (RFC 8428 section 4.3); CBOR: a byte string.
                g.writeBinary(Base64Variants.MODIFIED_FOR_URL, (byte[]) m.value(), 0, ((byte[]) m.value()).length);
            }
            default -> throw new IllegalStateException();
        }
    }

    private void writeNumber(JsonGenerator g, String name, Number n) throws IOException {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            g.writeNumber(n.longValue());
        } else if (n instanceof Float f) {
            g.writeNumber(f.floatValue());
        } else if (n instanceof Double d) {
            g.writeNumber(d.doubleValue());
        } else if (!cbor && n instanceof BigDecimal d) {
            g.writeNumber(d); // exact in JSON
        } else if (!cbor && n instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (n instanceof BigInteger bi && bi.bitLength() < 64) {
            g.writeNumber(bi.longValue());
        } else {
            // CBOR SenML values are integers or floats: a Decimal or big integer is sent as its nearest float64.
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new EncodingException("the number " + Texts.cut(n.toString(), Texts.PREVIEW_CHARS) + " of '"
                        + Texts.preview(name, Texts.PREVIEW_CHARS) + "' is too large for a SenML CBOR value (a float64)");
            }
            g.writeNumber(d);
        }
    }

    private void label(JsonGenerator g, String name, int label) throws IOException {
        if (cbor) {
            ((CBORGenerator) g).writeFieldId(label);
        } else {
            g.writeFieldName(name);
        }
    }

    private static String describe(Schema schema, Object value) {
        if (schema != null) {
            return schema.name() != null ? schema.type() + " (" + schema.name() + ")" : schema.type().toString();
        }
        return "a " + Texts.typeOf(value);
    }
}
