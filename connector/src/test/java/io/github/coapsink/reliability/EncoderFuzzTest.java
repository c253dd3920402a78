package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.github.coapsink.encode.EncodingException;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.KcqlException;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.Route;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Bad input, record values: random Connect schemas with matching values (nested structs, arrays,
 * maps with any key type, optional fields, Decimal/Date/Time/Timestamp), schemaless values, random
 * bytes, invalid UTF-8, JSON text with defects and JSON nested 10 to 2000 deep, each with a random
 * projection. Every value either encodes to one valid UTF-8 JSON document or fails with an
 * {@link EncodingException}; nothing else. The same value in CBOR, SenML-JSON and SenML-CBOR: one
 * well-formed document (CBOR read back by com.upokecenter:cbor, not by the Jackson that wrote it) or an
 * {@link EncodingException}, and whatever JSON can carry, CBOR can too.
 */
class EncoderFuzzTest {

    /** Strict reader: one document, no trailing tokens, valid UTF-8, any depth the encoder may write. */
    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100_000)
                    .maxStringLength(Integer.MAX_VALUE).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Map<String, AtomicLong> OUTCOMES = new ConcurrentHashMap<>();

    private record Typed(Schema schema, Object value) {
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 4_000, shrinking = ShrinkingMode.OFF)
    void randomStructs(@ForAll Random random) {
        Typed t = struct(random, 0);
        check("struct", t.schema(), t.value(), projection(random, t.schema()), random);
    }

    @Property(tries = 4_000, shrinking = ShrinkingMode.OFF)
    void randomTypedValues(@ForAll Random random) {
        Typed t = typed(random, 0);
        check("typed", t.schema(), t.value(), random.nextInt(4) == 0 ? projection(random, t.schema()) : null, random);
    }

    @Property(tries = 3_000, shrinking = ShrinkingMode.OFF)
    void schemalessValues(@ForAll Random random) {
        Object value = schemaless(random, 0);
        if (value == null) {
            value = Map.of();
        }
        check("schemaless", null, value, random.nextInt(3) == 0 ? randomProjection(random) : null, random);
    }

    @Property(tries = 3_000, shrinking = ShrinkingMode.OFF)
    void textAndBytes(@ForAll Random random) {
        String text = jsonish(random);
        Object value;
        Schema schema;
        switch (random.nextInt(5)) {
            case 0 -> { schema = Schema.STRING_SCHEMA; value = text; }
            case 1 -> { schema = null; value = text; }
            case 2 -> { schema = Schema.BYTES_SCHEMA; value = text.getBytes(StandardCharsets.UTF_8); }
            case 3 -> { schema = random.nextBoolean() ? Schema.BYTES_SCHEMA : null; value = randomBytes(random); }
            default -> { schema = Schema.BYTES_SCHEMA; value = ByteBuffer.wrap(invalidUtf8(random, text)); }
        }
        check("text/bytes", schema, value, random.nextInt(3) == 0 ? randomProjection(random) : null, random);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void deeplyNestedJsonText(@ForAll @IntRange(min = 10, max = 2000) int depth, @ForAll Random random) {
        StringBuilder sb = new StringBuilder();
        boolean objects = random.nextBoolean();
        for (int i = 0; i < depth; i++) {
            sb.append(objects ? "{\"a\":" : "[");
        }
        sb.append(random.nextBoolean() ? "1" : "\"x\"");
        for (int i = 0; i < depth; i++) {
            sb.append(objects ? "}" : "]");
        }
        if (random.nextInt(4) == 0) {
            sb.setLength(sb.length() - 1 - random.nextInt(depth)); // unbalanced
        }
        Projection p = objects && random.nextBoolean() ? parse("INSERT INTO r SELECT a AS b FROM t") : null;
        check("deep-" + (depth <= 1000 ? "<=1000" : ">1000"), Schema.STRING_SCHEMA, sb.toString(), p, random);
    }

    private static void check(String kind, Schema schema, Object value, Projection projection, Random random) {
        PlainStringPolicy policy = random.nextBoolean() ? PlainStringPolicy.FAIL : PlainStringPolicy.WRAP;
        RecordEncoder encoder = new RecordEncoder(policy);
        boolean json = checkJson(kind, encoder, schema, value, projection);
        PayloadEncoder formats = new PayloadEncoder(policy, PayloadFormat.JSON, 42, PayloadEncoder.SenmlSettings.defaults());
        Route route = new Route("t", "r", projection == null ? Projection.all() : projection);
        for (PayloadFormat f : List.of(PayloadFormat.CBOR, PayloadFormat.SENML_JSON, PayloadFormat.SENML_CBOR)) {
            byte[] out;
            try {
                out = formats.encode(f, schema, value, random.nextBoolean() ? 1_700_000_000_123L : null, route);
            } catch (EncodingException e) {
                assertThat(e.getMessage()).isNotBlank();
                // CBOR text is UTF-8, which cannot hold a lone surrogate; JSON can escape one.
                if (f == PayloadFormat.CBOR && json && !e.getMessage().contains("surrogate")) {
                    throw new AssertionError("JSON carries the value but CBOR refuses it: " + e.getMessage(), e);
                }
                OUTCOMES.computeIfAbsent(kind + " " + f + " rejected", k -> new AtomicLong()).incrementAndGet();
                continue;
            }
            if (f == PayloadFormat.SENML_JSON) {
                try {
                    assertThat(STRICT.readTree(out).isArray()).isTrue();
                } catch (java.io.IOException e) {
                    throw new AssertionError("SenML-JSON is not JSON: " + new String(out, StandardCharsets.UTF_8), e);
                }
            } else {
                CBORObject decoded;
                try {
                    decoded = CBORObject.DecodeFromBytes(out, new com.upokecenter.cbor.CBOREncodeOptions(
                            "allowduplicatekeys=true"));
                } catch (com.upokecenter.cbor.CBORException e) {
                    if (!String.valueOf(e.getMessage()).contains("Too deeply nested")) {
                        throw e;
                    }
                    assertOneCborItem(out); // beyond the decoder's own nesting limit
                    OUTCOMES.computeIfAbsent(kind + " " + f + " encoded (too deep for the decoder)",
                            k -> new AtomicLong()).incrementAndGet();
                    continue;
                }
                if (f == PayloadFormat.SENML_CBOR) {
                    assertThat(decoded.getType()).isEqualTo(CBORType.Array);
                    for (int i = 0; i < decoded.size(); i++) {
                        assertThat(decoded.get(i).get(CBORObject.FromObject(0)).getType()).isEqualTo(CBORType.TextString);
                    }
                }
            }
            OUTCOMES.computeIfAbsent(kind + " " + f + " encoded", k -> new AtomicLong()).incrementAndGet();
        }
    }

    private static void assertOneCborItem(byte[] out) {
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.dataformat.cbor.CBORFactory()
                .createParser(out)) {
            p.nextToken();
            p.skipChildren();
            assertThat(p.nextToken()).as("one CBOR item, nothing after it").isNull();
        } catch (java.io.IOException e) {
            throw new AssertionError("not well-formed CBOR", e);
        }
    }

    /** True when the value encoded to valid JSON. */
    private static boolean checkJson(String kind, RecordEncoder encoder, Schema schema, Object value,
            Projection projection) {
        byte[] out;
        try {
            out = encoder.encode(schema, value, projection);
        } catch (EncodingException e) {
            assertThat(e.getMessage()).isNotBlank();
            OUTCOMES.computeIfAbsent(kind + " rejected", k -> new AtomicLong()).incrementAndGet();
            return false;
        }
        try {
            STRICT.readTree(out);
        } catch (Exception e) {
            throw new AssertionError("not valid JSON (" + e.getMessage() + "): "
                    + new String(out, 0, Math.min(out.length, 300), StandardCharsets.UTF_8), e);
        }
        OUTCOMES.computeIfAbsent(kind + " encoded", k -> new AtomicLong()).incrementAndGet();
        return true;
    }

    @AfterContainer
    static void report() {
        System.out.println("RELIABILITY | encoder fuzz outcomes: " + new java.util.TreeMap<>(OUTCOMES));
    }

    // ------------------------------------------------------------------ generators

    private static Typed typed(Random r, int depth) {
        int kinds = depth >= 3 ? 13 : 16;
        Typed t = switch (r.nextInt(kinds)) {
            case 0 -> new Typed(Schema.INT8_SCHEMA, (byte) r.nextInt());
            case 1 -> new Typed(Schema.INT16_SCHEMA, (short) r.nextInt());
            case 2 -> new Typed(Schema.INT32_SCHEMA, r.nextInt());
            case 3 -> new Typed(Schema.INT64_SCHEMA, r.nextLong());
            case 4 -> new Typed(Schema.FLOAT32_SCHEMA, floatValue(r));
            case 5 -> new Typed(Schema.FLOAT64_SCHEMA, doubleValue(r));
            case 6 -> new Typed(Schema.BOOLEAN_SCHEMA, r.nextBoolean());
            case 7, 8 -> new Typed(Schema.STRING_SCHEMA, randomString(r, 30));
            case 9 -> new Typed(Schema.BYTES_SCHEMA, r.nextBoolean() ? randomBytes(r) : ByteBuffer.wrap(randomBytes(r)));
            case 10 -> {
                int scale = r.nextInt(20) - 5;
                yield new Typed(Decimal.schema(scale), new BigDecimal(new BigInteger(r.nextInt(200) + 1, r), scale));
            }
            case 11 -> new Typed(Date.SCHEMA, new java.util.Date((long) (r.nextInt(2_000_000) - 1_000_000) * 86_400_000L));
            case 12 -> r.nextBoolean()
                    ? new Typed(Time.SCHEMA, new java.util.Date(r.nextInt(86_400_000)))
                    : new Typed(Timestamp.SCHEMA, new java.util.Date(r.nextLong() % 100_000_000_000_000L));
            case 13 -> array(r, depth);
            case 14 -> map(r, depth);
            default -> struct(r, depth + 1);
        };
        if (r.nextInt(4) == 0) {
            return optional(t, r);
        }
        return t;
    }

    /** The same type made optional (with a fresh builder), and sometimes a null value. */
    private static Typed optional(Typed t, Random r) {
        Schema s = t.schema();
        SchemaBuilder b = switch (s.type()) {
            case STRUCT -> {
                SchemaBuilder sb = SchemaBuilder.struct().name(s.name());
                for (Field f : s.fields()) {
                    sb.field(f.name(), f.schema());
                }
                yield sb;
            }
            case ARRAY -> SchemaBuilder.array(s.valueSchema());
            case MAP -> SchemaBuilder.map(s.keySchema(), s.valueSchema());
            default -> new SchemaBuilder(s.type()).name(s.name()).parameters(
                    s.parameters() == null ? Map.of() : s.parameters());
        };
        Schema optional = b.optional().build();
        if (r.nextInt(3) == 0) {
            return new Typed(optional, null);
        }
        if (s.type() == Schema.Type.STRUCT) {
            Struct copy = new Struct(optional);
            Struct original = (Struct) t.value();
            for (Field f : s.fields()) {
                copy.put(f.name(), original.get(f));
            }
            return new Typed(optional, copy);
        }
        return new Typed(optional, t.value());
    }

    private static Typed array(Random r, int depth) {
        Typed element = typed(r, depth + 1);
        List<Object> values = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            values.add(sameType(element, r, depth + 1));
        }
        return new Typed(SchemaBuilder.array(element.schema()).build(), values);
    }

    private static Typed map(Random r, int depth) {
        Typed key = r.nextInt(3) == 0 ? typed(r, depth + 1) : new Typed(Schema.STRING_SCHEMA, randomString(r, 8));
        Typed value = typed(r, depth + 1);
        Map<Object, Object> values = new LinkedHashMap<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            values.put(i == 0 ? key.value() : sameType(key, r, depth + 1), sameType(value, r, depth + 1));
        }
        return new Typed(SchemaBuilder.map(key.schema(), value.schema()).build(), values);
    }

    /** Another value for an existing schema: regenerate until the schema matches, else reuse the value. */
    private static Object sameType(Typed t, Random r, int depth) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Typed other = typed(r, Math.max(depth, 3));
            if (other.schema().equals(t.schema())) {
                return other.value();
            }
        }
        return t.value();
    }

    private static Typed struct(Random r, int depth) {
        SchemaBuilder b = SchemaBuilder.struct().name("S" + depth + "_" + r.nextInt(1000));
        int n = r.nextInt(depth >= 3 ? 3 : 6);
        List<Typed> fields = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Typed f = depth >= 3 ? primitive(r) : typed(r, depth);
            String name = r.nextInt(8) == 0 ? randomString(r, 6) + i : "f" + i;
            b.field(name, f.schema());
            fields.add(f);
        }
        Schema schema = b.build();
        Struct s = new Struct(schema);
        for (int i = 0; i < n; i++) {
            s.put(schema.fields().get(i), fields.get(i).value());
        }
        return new Typed(schema, s);
    }

    private static Typed primitive(Random r) {
        for (;;) {
            Typed t = typed(r, 3);
            if (t.schema().type().isPrimitive()) {
                return t;
            }
        }
    }

    private static Object schemaless(Random r, int depth) {
        int kinds = depth >= 4 ? 8 : 10;
        return switch (r.nextInt(kinds)) {
            case 0 -> null;
            case 1 -> r.nextInt();
            case 2 -> r.nextLong();
            case 3 -> doubleValue(r);
            case 4 -> r.nextBoolean();
            case 5, 6 -> randomString(r, 20);
            case 7 -> randomBytes(r);
            case 8 -> {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    l.add(schemaless(r, depth + 1));
                }
                yield l;
            }
            default -> {
                Map<Object, Object> m = new HashMap<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    Object key = r.nextInt(5) == 0 ? schemaless(r, 4) : (r.nextBoolean() ? "f" + i : randomString(r, 6));
                    m.put(key, schemaless(r, depth + 1));
                }
                yield m;
            }
        };
    }

    private static float floatValue(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> Float.NaN;
            case 1 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 2 -> Float.MIN_VALUE;
            case 3 -> -0.0f;
            default -> Float.intBitsToFloat(r.nextInt());
        };
    }

    private static double doubleValue(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> Double.NaN;
            case 1 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2 -> Double.MAX_VALUE;
            case 3 -> -0.0;
            default -> Double.longBitsToDouble(r.nextLong());
        };
    }

    /** Any UTF-16 text: controls, quotes, backslashes, astral characters, lone surrogates. */
    static String randomString(Random r, int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(10)) {
                case 0 -> sb.append((char) r.nextInt(0x20));
                case 1 -> sb.append("\"\\/'`{}[]:,".charAt(r.nextInt(11)));
                case 2 -> sb.append((char) (0xD800 + r.nextInt(0x800)));      // lone surrogate
                case 3 -> sb.appendCodePoint(0x10000 + r.nextInt(0xF0000));  // astral
                case 4 -> sb.append((char) r.nextInt(0x10000));
                default -> sb.append((char) ('a' + r.nextInt(26)));
            }
        }
        return sb.toString();
    }

    static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(40)];
        r.nextBytes(b);
        return b;
    }

    private static byte[] invalidUtf8(Random r, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xF8};
        byte[] out = new byte[utf8.length + 2];
        int at = r.nextInt(utf8.length + 1);
        System.arraycopy(utf8, 0, out, 0, at);
        out[at] = bad[r.nextInt(bad.length)];
        out[at + 1] = bad[r.nextInt(bad.length)];
        System.arraycopy(utf8, at, out, at + 2, utf8.length - at);
        return out;
    }

    /** JSON documents with defects: valid, truncated, with trailing text, two documents, plain text. */
    private static String jsonish(Random r) {
        String doc = switch (r.nextInt(4)) {
            case 0 -> "{\"a\":" + r.nextInt() + ",\"b\":{\"c\":[1,2,\"" + randomString(r, 5).replace("\"", "") + "\"]}}";
            case 1 -> "[" + r.nextDouble() + ",null,true]";
            case 2 -> "\"" + randomString(r, 10) + "\"";
            default -> randomString(r, 20);
        };
        return switch (r.nextInt(6)) {
            case 0 -> doc.substring(0, r.nextInt(doc.length() + 1));
            case 1 -> doc + " trailing";
            case 2 -> doc + doc;
            case 3 -> "  " + doc + "\n";
            case 4 -> doc.replace(':', r.nextBoolean() ? '=' : ':');
            default -> doc;
        };
    }

    // ------------------------------------------------------------------ projections

    private static Projection projection(Random r, Schema schema) {
        if (schema.type() != Schema.Type.STRUCT || schema.fields().isEmpty() || r.nextInt(3) == 0) {
            return r.nextBoolean() ? null : randomProjection(r);
        }
        List<String> select = new ArrayList<>();
        for (Field f : schema.fields()) {
            if (r.nextBoolean()) {
                String path = "`" + f.name().replace("`", "") + "`";
                if (f.schema().type() == Schema.Type.STRUCT && !f.schema().fields().isEmpty() && r.nextBoolean()) {
                    path += ".`" + f.schema().fields().get(0).name().replace("`", "") + "`";
                }
                select.add(r.nextBoolean() ? path + " AS al" + select.size() : path);
            }
        }
        String list = select.isEmpty() ? "*" : (r.nextBoolean() ? "*, " : "") + String.join(", ", select);
        String ignore = r.nextInt(3) == 0 ? " IGNORE `" + schema.fields().get(0).name().replace("`", "") + "`" : "";
        return parse("INSERT INTO r SELECT " + list + " FROM t" + ignore);
    }

    private static Projection randomProjection(Random r) {
        String[] options = {"SELECT *", "SELECT a", "SELECT a AS b, c", "SELECT *, a AS z", "SELECT a.b.c AS d",
            "SELECT * ", "SELECT f0, f1.f0 AS x"};
        String ignore = r.nextBoolean() ? "" : " IGNORE f0, a.b";
        return parse("INSERT INTO r " + options[r.nextInt(options.length)] + " FROM t" + ignore);
    }

    private static Projection parse(String kcql) {
        try {
            return KcqlParser.parse(kcql).get(0).projection();
        } catch (KcqlException e) {
            return Projection.all();
        }
    }
}
