package io.github.coapsink.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.github.coapsink.kcql.FieldPath;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.SelectedField;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/**
 * CBOR payloads written by Jackson and read back by a different implementation (PeterO's
 * com.upokecenter:cbor), for every Connect type, the three kinds of value and projections.
 */
class CborEncoderTest {

    private static final Schema ADDRESS = SchemaBuilder.struct().name("Address").optional()
            .field("city", Schema.STRING_SCHEMA)
            .field("since", Date.SCHEMA)
            .build();

    private static final Schema ALL_TYPES = SchemaBuilder.struct().name("AllTypes")
            .field("i8", Schema.INT8_SCHEMA)
            .field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.INT64_SCHEMA)
            .field("f32", Schema.FLOAT32_SCHEMA)
            .field("f64", Schema.FLOAT64_SCHEMA)
            .field("bool", Schema.BOOLEAN_SCHEMA)
            .field("text", Schema.STRING_SCHEMA)
            .field("blob", Schema.BYTES_SCHEMA)
            .field("list", SchemaBuilder.array(Schema.INT32_SCHEMA).build())
            .field("byName", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build())
            .field("byNumber", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
            .field("byStruct", SchemaBuilder.map(SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build(),
                    Schema.STRING_SCHEMA).build())
            .field("address", ADDRESS)
            .field("nothing", Schema.OPTIONAL_STRING_SCHEMA)
            .field("price", Decimal.schema(2))
            .field("day", Date.SCHEMA)
            .field("clock", Time.SCHEMA)
            .field("at", Timestamp.SCHEMA)
            .field("atWhole", Timestamp.SCHEMA)
            .build();

    private static final long AT_MILLIS = 1_709_300_730_123L; // 2024-03-01T13:45:30.123Z

    private final RecordEncoder cbor = RecordEncoder.cbor(PlainStringPolicy.FAIL);

    private static Struct allTypes() {
        Struct key = new Struct(ALL_TYPES.field("byStruct").schema().keySchema()).put("id", 7);
        Map<String, Double> byName = new LinkedHashMap<>();
        byName.put("a", 1.5);
        byName.put("b", -2.0);
        return new Struct(ALL_TYPES)
                .put("i8", (byte) -128)
                .put("i16", (short) 32_000)
                .put("i32", 2_000_000_000)
                .put("i64", Long.MAX_VALUE)
                .put("f32", 1.1f)
                .put("f64", 4830.25)
                .put("bool", true)
                .put("text", "Oslo ø €")
                .put("blob", new byte[] {0, 1, 2, (byte) 0xff})
                .put("list", List.of(1, 2, 3))
                .put("byName", byName)
                .put("byNumber", Map.of(7, "seven"))
                .put("byStruct", Map.of(key, "one"))
                .put("address", new Struct(ADDRESS).put("city", "Leeds").put("since", new java.util.Date(19_783L * 86_400_000L)))
                .put("nothing", null)
                .put("price", new BigDecimal("12.30"))
                .put("day", new java.util.Date(19_783L * 86_400_000L)) // 2024-03-01
                .put("clock", new java.util.Date(49_530_123L)) // 13:45:30.123
                .put("at", new java.util.Date(AT_MILLIS))
                .put("atWhole", new java.util.Date(1_709_300_730_000L));
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    private static CBORObject decode(byte[] cbor) {
        return CBORObject.DecodeFromBytes(cbor);
    }

    @Test
    void everyConnectTypeDecodesWithAnIndependentLibrary() {
        byte[] bytes = cbor.encode(ALL_TYPES, allTypes(), Projection.all());
        assertThat(bytes[0] & 0xff).as("a definite-length map of 20 fields").isEqualTo(0xb4);
        CBORObject o = decode(bytes);
        assertThat(o.getType()).isEqualTo(CBORType.Map);
        assertThat(o.size()).isEqualTo(20);
        assertThat(o.get("i8").AsInt32Value()).isEqualTo(-128);
        assertThat(o.get("i16").AsInt32Value()).isEqualTo(32_000);
        assertThat(o.get("i32").AsInt32Value()).isEqualTo(2_000_000_000);
        assertThat(o.get("i64").AsInt64Value()).isEqualTo(Long.MAX_VALUE);
        assertThat((float) o.get("f32").AsDoubleValue()).isEqualTo(1.1f);
        assertThat(o.get("f64").AsDoubleValue()).isEqualTo(4830.25);
        assertThat(o.get("bool").AsBoolean()).isTrue();
        assertThat(o.get("text").AsString()).isEqualTo("Oslo ø €");
        assertThat(o.get("blob").getType()).as("a byte string, not base64 text").isEqualTo(CBORType.ByteString);
        assertThat(o.get("blob").GetByteString()).containsExactly(0, 1, 2, 0xff);
        assertThat(o.get("list").getType()).isEqualTo(CBORType.Array);
        assertThat(o.get("list").get(2).AsInt32Value()).isEqualTo(3);
        assertThat(o.get("byName").get("b").AsDoubleValue()).isEqualTo(-2.0);
        assertThat(o.get("byNumber").get("7").AsString()).as("keys as in JSON: their text").isEqualTo("seven");
        CBORObject entry = o.get("byStruct").get(0);
        assertThat(entry.get("key").get("id").AsInt32Value()).isEqualTo(7);
        assertThat(entry.get("value").AsString()).isEqualTo("one");
        assertThat(o.get("address").get("city").AsString()).isEqualTo("Leeds");
        assertThat(o.get("address").get("since").HasMostOuterTag(100)).isTrue();
        assertThat(o.get("nothing").isNull()).isTrue();

        CBORObject price = o.get("price");
        assertThat(price.HasMostOuterTag(4)).as("Decimal is a decimal fraction, tag 4").isTrue();
        assertThat(price.AsNumber().ToEDecimal().toString()).isEqualTo("12.30");

        CBORObject day = o.get("day");
        assertThat(day.HasMostOuterTag(100)).as("Date: days since 1970, tag 100 (RFC 8943)").isTrue();
        assertThat(day.UntagOne().AsInt64Value()).isEqualTo(19_783L);

        assertThat(o.get("clock").AsString()).as("Time has no CBOR tag: the JSON text").isEqualTo("13:45:30.123");

        CBORObject at = o.get("at");
        assertThat(at.HasMostOuterTag(1)).as("Timestamp: epoch seconds, tag 1").isTrue();
        assertThat(Math.round(at.UntagOne().AsDoubleValue() * 1000)).isEqualTo(AT_MILLIS);
        CBORObject whole = o.get("atWhole");
        assertThat(whole.HasMostOuterTag(1)).isTrue();
        assertThat(whole.UntagOne().getType()).as("whole seconds are an integer").isEqualTo(CBORType.Integer);
        assertThat(whole.UntagOne().AsInt64Value()).isEqualTo(1_709_300_730L);
    }

    @Test
    void nanAndInfinitiesAreCborFloats() {
        Schema s = SchemaBuilder.struct().field("x", Schema.FLOAT64_SCHEMA).field("y", Schema.FLOAT32_SCHEMA).build();
        CBORObject o = decode(cbor.encode(s, new Struct(s).put("x", Double.NaN).put("y", Float.NEGATIVE_INFINITY),
                Projection.all()));
        assertThat(o.get("x").AsDoubleValue()).isNaN();
        assertThat(o.get("y").AsDoubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void schemalessMapWithNestedValues() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("n", 42);
        value.put("big", 1L << 40);
        value.put("pi", 3.14159);
        value.put("ok", false);
        value.put("raw", ByteBuffer.wrap(new byte[] {9, 8}));
        value.put("when", new java.util.Date(AT_MILLIS));
        value.put("tags", List.of("a", Map.of("deep", 1)));
        value.put("none", null);
        CBORObject o = decode(cbor.encode(null, value, Projection.all()));
        assertThat(o.get("n").AsInt32Value()).isEqualTo(42);
        assertThat(o.get("big").AsInt64Value()).isEqualTo(1L << 40);
        assertThat(o.get("pi").AsDoubleValue()).isEqualTo(3.14159);
        assertThat(o.get("ok").AsBoolean()).isFalse();
        assertThat(o.get("raw").GetByteString()).containsExactly(9, 8);
        assertThat(o.get("when").HasMostOuterTag(1)).isTrue();
        assertThat(o.get("tags").get(1).get("deep").AsInt32Value()).isEqualTo(1);
        assertThat(o.get("none").isNull()).isTrue();
    }

    @Test
    void jsonTextBecomesTheSameCborAsItsValues() {
        String text = "{\"t\": 21.5, \"n\": 3, \"big\": 123456789012345678901234567890, \"on\": true,"
                + " \"s\": \"x\", \"a\": [1, 2.25, null], \"o\": {\"k\": \"v\"}}";
        CBORObject fromString = decode(cbor.encode(Schema.STRING_SCHEMA, text, Projection.all()));
        CBORObject fromBytes = decode(cbor.encode(null, text.getBytes(StandardCharsets.UTF_8), Projection.all()));
        assertThat(fromBytes).isEqualTo(fromString);
        assertThat(fromString.get("t").getType()).as("a fraction is a float").isEqualTo(CBORType.FloatingPoint);
        assertThat(fromString.get("t").AsDoubleValue()).isEqualTo(21.5);
        assertThat(fromString.get("n").getType()).isEqualTo(CBORType.Integer);
        assertThat(fromString.get("big").AsNumber().ToEInteger().toString()).isEqualTo("123456789012345678901234567890");
        assertThat(fromString.get("on").AsBoolean()).isTrue();
        assertThat(fromString.get("a").get(1).AsDoubleValue()).isEqualTo(2.25);
        assertThat(fromString.get("a").get(2).isNull()).isTrue();
        assertThat(fromString.get("o").get("k").AsString()).isEqualTo("v");
        assertThat(json(fromString.ToJSONString())).isEqualTo(json(
                "{\"t\":21.5,\"n\":3,\"big\":123456789012345678901234567890,\"on\":true,\"s\":\"x\",\"a\":[1,2.25,null],\"o\":{\"k\":\"v\"}}"));
    }

    @Test
    void plainTextFollowsThePlainStringPolicy() {
        assertThatThrownBy(() -> cbor.encode(Schema.STRING_SCHEMA, "hello coap", Projection.all()))
                .isInstanceOf(EncodingException.class).hasMessageContaining("not a JSON document");
        byte[] wrapped = RecordEncoder.cbor(PlainStringPolicy.WRAP).encode(Schema.STRING_SCHEMA, "hello coap",
                Projection.all());
        assertThat(decode(wrapped).AsString()).isEqualTo("hello coap");
    }

    @Test
    void projectionShapesCborAsItShapesJson() {
        Projection p = new Projection(false, List.of(
                new SelectedField(FieldPath.of("text"), "city"),
                new SelectedField(new FieldPath(List.of("address", "since")), "since"),
                new SelectedField(FieldPath.of("price"), "price")), List.of());
        CBORObject o = decode(cbor.encode(ALL_TYPES, allTypes(), p));
        assertThat(o.size()).isEqualTo(3);
        assertThat(o.get("city").AsString()).isEqualTo("Oslo ø €");
        assertThat(o.get("since").HasMostOuterTag(100)).isTrue();
        assertThat(o.get("price").HasMostOuterTag(4)).isTrue();

        // A nested IGNORE rebuilds the field as a tree: tags and byte strings must survive it.
        Projection ignoring = new Projection(true, List.of(), List.of(new FieldPath(List.of("address", "city"))));
        CBORObject rest = decode(cbor.encode(ALL_TYPES, allTypes(), ignoring));
        assertThat(rest.get("address").size()).isEqualTo(1);
        assertThat(rest.get("address").get("since").HasMostOuterTag(100)).isTrue();
        assertThat(rest.get("address").get("since").UntagOne().AsInt64Value()).isEqualTo(19_783L);
        assertThat(rest.get("blob").GetByteString()).containsExactly(0, 1, 2, 0xff);

        Projection fromText = new Projection(false, List.of(new SelectedField(FieldPath.of("t"), "temp")), List.of());
        CBORObject t = decode(cbor.encode(null, "{\"t\":21.5,\"x\":1}", fromText));
        assertThat(t.ToJSONString()).isEqualTo("{\"temp\":21.5}");
    }

    @Test
    void badValuesFailAsInJsonNamingTheField() {
        Schema s = SchemaBuilder.struct().field("n", Schema.INT32_SCHEMA).build();
        Struct bad = new Struct(SchemaBuilder.struct().field("n", Schema.OPTIONAL_INT32_SCHEMA).build());
        assertThatThrownBy(() -> cbor.encode(s, Map.of("n", "x"), Projection.all()))
                .isInstanceOf(EncodingException.class);
        assertThatThrownBy(() -> cbor.encode(Time.SCHEMA, new java.util.Date(-1), Projection.all()))
                .isInstanceOf(EncodingException.class).hasMessageContaining("within one day");
        assertThat(decode(cbor.encode(null, bad, Projection.all())).get("n").isNull()).isTrue();
    }

    @Test
    void cborIsSmallerThanJsonForTheSameStruct() {
        byte[] json = new RecordEncoder(PlainStringPolicy.FAIL).encode(ALL_TYPES, allTypes(), Projection.all());
        byte[] bytes = cbor.encode(ALL_TYPES, allTypes(), Projection.all());
        assertThat(bytes.length).isLessThan(json.length);
    }
}
