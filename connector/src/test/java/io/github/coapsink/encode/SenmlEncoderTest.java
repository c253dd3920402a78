package io.github.coapsink.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.github.coapsink.kcql.FieldPath;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.kcql.SelectedField;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/**
 * SenML packs (RFC 8428) in JSON and CBOR: the RFC's own examples reproduced, every Connect type mapped, the
 * CBOR read back by an independent decoder (com.upokecenter:cbor) with the RFC's integer labels.
 */
class SenmlEncoderTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** SenML CBOR labels, RFC 8428 section 6, table 4. */
    private static final CBORObject BN = CBORObject.FromObject(-2);
    private static final CBORObject BT = CBORObject.FromObject(-3);
    private static final CBORObject N = CBORObject.FromObject(0);
    private static final CBORObject U = CBORObject.FromObject(1);
    private static final CBORObject V = CBORObject.FromObject(2);
    private static final CBORObject VS = CBORObject.FromObject(3);
    private static final CBORObject VB = CBORObject.FromObject(4);
    private static final CBORObject VD = CBORObject.FromObject(8);

    private static final String DEVICE = "urn:dev:ow:10e2073a01080063";

    private static final Route SENSORS = new Route("t", "sensors/room1", Projection.all());

    private static PayloadEncoder encoder(Optional<String> baseName, Map<String, String> units) {
        return new PayloadEncoder(PlainStringPolicy.FAIL, PayloadFormat.JSON, 42,
                new PayloadEncoder.SenmlSettings(baseName, units));
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new AssertionError(new String(bytes, StandardCharsets.UTF_8), e);
        }
    }

    private static JsonNode json(String text) {
        return json(text.getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 8428 section 5.1.1, "Single Datapoint". */
    @Test
    void rfc8428SingleDatapoint() {
        PayloadEncoder e = encoder(Optional.of(""), Map.of(DEVICE, "Cel"));
        Map<String, Object> value = Map.of(DEVICE, 23.1);
        byte[] body = e.encode(PayloadFormat.SENML_JSON, null, value, null, SENSORS);
        assertThat(json(body)).isEqualTo(json("[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"Cel\",\"v\":23.1}]"));
        assertThat(new String(body, StandardCharsets.UTF_8))
                .isEqualTo("[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"Cel\",\"v\":23.1}]");

        CBORObject pack = CBORObject.DecodeFromBytes(e.encode(PayloadFormat.SENML_CBOR, null, value, null, SENSORS));
        assertThat(pack.size()).isEqualTo(1);
        CBORObject r = pack.get(0);
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.get(N).AsString()).isEqualTo(DEVICE);
        assertThat(r.get(U).AsString()).isEqualTo("Cel");
        assertThat(r.get(V).AsDoubleValue()).isEqualTo(23.1);
    }

    /** RFC 8428 section 5.1.2, "Multiple Datapoints": a base name, two measurements with units. */
    @Test
    void rfc8428MultipleDatapoints() {
        Schema schema = SchemaBuilder.struct().field("voltage", Schema.FLOAT64_SCHEMA)
                .field("current", Schema.FLOAT64_SCHEMA).build();
        Struct value = new Struct(schema).put("voltage", 120.1).put("current", 1.2);
        PayloadEncoder e = encoder(Optional.of(DEVICE + ":"), Map.of("voltage", "V", "current", "A"));
        String rfc = "[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"voltage\",\"u\":\"V\",\"v\":120.1},"
                + "{\"n\":\"current\",\"u\":\"A\",\"v\":1.2}]";
        byte[] body = e.encode(PayloadFormat.SENML_JSON, schema, value, null, SENSORS);
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(rfc);

        byte[] cbor = e.encode(PayloadFormat.SENML_CBOR, schema, value, null, SENSORS);
        CBORObject pack = CBORObject.DecodeFromBytes(cbor);
        assertThat(pack.getType()).isEqualTo(CBORType.Array);
        assertThat(pack.get(0).get(BN).AsString()).isEqualTo(DEVICE + ":");
        assertThat(pack.get(0).get(N).AsString()).isEqualTo("voltage");
        assertThat(pack.get(0).get(U).AsString()).isEqualTo("V");
        assertThat(pack.get(0).get(V).AsDoubleValue()).isEqualTo(120.1);
        assertThat(pack.get(1).get(N).AsString()).isEqualTo("current");
        assertThat(pack.get(1).get(U).AsString()).isEqualTo("A");
        assertThat(pack.get(1).get(V).AsDoubleValue()).isEqualTo(1.2);
        assertThat(pack.get(1).get(BN)).as("bn only on the first record").isNull();
        assertThat(pack.get(0).size()).isEqualTo(4);
        assertThat(pack.get(1).size()).isEqualTo(3);
    }

    /** RFC 8428 section 5.1.3's base time 1.276020076001e+09 s comes from the record timestamp. */
    @Test
    void baseTimeIsTheRecordTimestampInSeconds() {
        PayloadEncoder e = encoder(Optional.of(DEVICE + ":"), Map.of());
        Map<String, Object> value = Map.of("voltage", 120.1);
        JsonNode pack = json(e.encode(PayloadFormat.SENML_JSON, null, value, 1_276_020_076_001L, SENSORS));
        assertThat(pack.get(0).get("bt").doubleValue()).isEqualTo(1.276020076001e+09);
        assertThat(json(e.encode(PayloadFormat.SENML_JSON, null, value, 1_276_020_076_000L, SENSORS)).get(0).get("bt").isIntegralNumber())
                .as("whole seconds: an integer").isTrue();

        CBORObject c = CBORObject.DecodeFromBytes(e.encode(PayloadFormat.SENML_CBOR, null, value, 1_276_020_076_001L, SENSORS));
        assertThat(c.get(0).get(BT).AsDoubleValue()).isEqualTo(1.276020076001e+09);
        assertThat(json(e.encode(PayloadFormat.SENML_JSON, null, value, null, SENSORS)).get(0).has("bt"))
                .as("no timestamp, no bt").isFalse();
    }

    @Test
    void baseNameDefaultsToTheResourceAndSlash() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of());
        JsonNode pack = json(e.encode(PayloadFormat.SENML_JSON, null, Map.of("temp", 21), null, SENSORS));
        assertThat(pack.get(0).get("bn").textValue()).isEqualTo("sensors/room1/");
        assertThat(pack.get(0).get("n").textValue()).isEqualTo("temp");
    }

    private static final Schema POSITION = SchemaBuilder.struct().optional()
            .field("lat", Schema.FLOAT64_SCHEMA).field("lon", Schema.FLOAT64_SCHEMA).build();

    private static final Schema EVERY = SchemaBuilder.struct()
            .field("i8", Schema.INT8_SCHEMA)
            .field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.INT64_SCHEMA)
            .field("f32", Schema.FLOAT32_SCHEMA)
            .field("f64", Schema.FLOAT64_SCHEMA)
            .field("on", Schema.BOOLEAN_SCHEMA)
            .field("label", Schema.STRING_SCHEMA)
            .field("blob", Schema.BYTES_SCHEMA)
            .field("price", Decimal.schema(2))
            .field("day", Date.SCHEMA)
            .field("clock", Time.SCHEMA)
            .field("at", Timestamp.SCHEMA)
            .field("position", POSITION)
            .field("samples", SchemaBuilder.array(Schema.INT32_SCHEMA).build())
            .field("byName", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
            .field("missing", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();

    private static Struct every() {
        Map<String, Integer> byName = new LinkedHashMap<>();
        byName.put("x", 1);
        byName.put("y", 2);
        return new Struct(EVERY).put("i8", (byte) -8).put("i16", (short) 1600).put("i32", 320_000)
                .put("i64", 6_400_000_000L).put("f32", 0.5f).put("f64", 21.25).put("on", true)
                .put("label", "kitchen").put("blob", new byte[] {(byte) 0xfb, (byte) 0xff, 0x00})
                .put("price", new BigDecimal("12.30")).put("day", new java.util.Date(19_783L * 86_400_000L))
                .put("clock", new java.util.Date(49_530_123L)).put("at", new java.util.Date(1_709_300_730_123L))
                .put("position", new Struct(POSITION).put("lat", 59.91).put("lon", 10.75))
                .put("samples", List.of(5, 6)).put("byName", byName).put("missing", null);
    }

    private static final List<String> EVERY_NAMES = List.of("i8", "i16", "i32", "i64", "f32", "f64", "on", "label",
            "blob", "price", "day", "clock", "at", "position/lat", "position/lon", "samples/0", "samples/1",
            "byName/x", "byName/y");

    @Test
    void everyConnectTypeInSenmlJson() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of("f64", "Cel", "position/lat", "lat"));
        JsonNode pack = json(e.encode(PayloadFormat.SENML_JSON, EVERY, every(), 1_709_300_730_000L, SENSORS));
        assertThat(pack.findValuesAsText("n")).as("one record per non-null scalar, nulls left out, '/' joins")
                .containsExactlyElementsOf(EVERY_NAMES);
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        pack.forEach(r -> byName.put(r.get("n").textValue(), r));
        assertThat(byName.get("i8").get("v").intValue()).isEqualTo(-8);
        assertThat(byName.get("i64").get("v").longValue()).isEqualTo(6_400_000_000L);
        assertThat(byName.get("f32").get("v").doubleValue()).isEqualTo(0.5);
        assertThat(byName.get("f64").get("v").doubleValue()).isEqualTo(21.25);
        assertThat(byName.get("f64").get("u").textValue()).isEqualTo("Cel");
        assertThat(byName.get("on").get("vb").booleanValue()).isTrue();
        assertThat(byName.get("label").get("vs").textValue()).isEqualTo("kitchen");
        assertThat(byName.get("blob").get("vd").textValue()).as("base64url, no padding (RFC 8428 4.3)").isEqualTo("-_8A");
        assertThat(byName.get("price").get("v").decimalValue()).isEqualByComparingTo("12.30");
        assertThat(new String(e.encode(PayloadFormat.SENML_JSON, EVERY, every(), null, SENSORS), StandardCharsets.UTF_8))
                .as("Decimal exact in JSON").contains("\"n\":\"price\",\"v\":12.30}");
        assertThat(byName.get("day").get("vs").textValue()).isEqualTo("2024-03-01");
        assertThat(byName.get("clock").get("vs").textValue()).isEqualTo("13:45:30.123");
        assertThat(byName.get("at").get("vs").textValue()).isEqualTo("2024-03-01T13:45:30.123Z");
        assertThat(byName.get("position/lat").get("u").textValue()).isEqualTo("lat");
        assertThat(byName.get("samples/1").get("v").intValue()).isEqualTo(6);
        assertThat(byName.get("byName/y").get("v").intValue()).isEqualTo(2);
        assertThat(pack.get(0).get("bn").textValue()).isEqualTo("sensors/room1/");
        assertThat(pack.get(0).get("bt").longValue()).isEqualTo(1_709_300_730L);
    }

    @Test
    void everyConnectTypeInSenmlCbor() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of("f64", "Cel"));
        CBORObject pack = CBORObject.DecodeFromBytes(e.encode(PayloadFormat.SENML_CBOR, EVERY, every(),
                1_709_300_730_123L, SENSORS));
        assertThat(pack.size()).isEqualTo(EVERY_NAMES.size());
        Map<String, CBORObject> byName = new LinkedHashMap<>();
        for (int i = 0; i < pack.size(); i++) {
            byName.put(pack.get(i).get(N).AsString(), pack.get(i));
        }
        assertThat(byName.keySet()).containsExactlyElementsOf(EVERY_NAMES);
        assertThat(pack.get(0).get(BN).AsString()).isEqualTo("sensors/room1/");
        assertThat(pack.get(0).get(BT).AsDoubleValue()).isEqualTo(1_709_300_730.123);
        assertThat(byName.get("i8").get(V).AsInt32Value()).isEqualTo(-8);
        assertThat(byName.get("i64").get(V).AsInt64Value()).isEqualTo(6_400_000_000L);
        assertThat(byName.get("f32").get(V).AsDoubleValue()).isEqualTo(0.5);
        assertThat(byName.get("f64").get(V).AsDoubleValue()).isEqualTo(21.25);
        assertThat(byName.get("f64").get(U).AsString()).isEqualTo("Cel");
        assertThat(byName.get("on").get(VB).AsBoolean()).isTrue();
        assertThat(byName.get("label").get(VS).AsString()).isEqualTo("kitchen");
        assertThat(byName.get("blob").get(VD).getType()).as("vd is a byte string in CBOR").isEqualTo(CBORType.ByteString);
        assertThat(byName.get("blob").get(VD).GetByteString()).containsExactly(0xfb, 0xff, 0x00);
        assertThat(byName.get("price").get(V).AsDoubleValue()).as("Decimal as its float64").isEqualTo(12.3);
        assertThat(byName.get("price").get(V).isTagged()).isFalse();
        assertThat(byName.get("day").get(VS).AsString()).isEqualTo("2024-03-01");
        assertThat(byName.get("position/lon").get(V).AsDoubleValue()).isEqualTo(10.75);
        assertThat(byName.get("byName/x").get(V).AsInt32Value()).isEqualTo(1);
    }

    @Test
    void jsonTextAndSchemalessMapsFlattenTheSameWay() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of());
        String text = "{\"temp\":21.5,\"pos\":{\"lat\":59.91},\"tags\":[\"a\"],\"gone\":null}";
        JsonNode fromText = json(e.encode(PayloadFormat.SENML_JSON, Schema.STRING_SCHEMA, text, null, SENSORS));
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("temp", 21.5);
        map.put("pos", Map.of("lat", 59.91));
        map.put("tags", List.of("a"));
        map.put("gone", null);
        JsonNode fromMap = json(e.encode(PayloadFormat.SENML_JSON, null, map, null, SENSORS));
        assertThat(fromText).isEqualTo(fromMap);
        assertThat(fromText.findValuesAsText("n")).containsExactly("temp", "pos/lat", "tags/0");
    }

    @Test
    void projectionChoosesAndNamesTheMeasurements() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of("celsius", "Cel"));
        Projection p = new Projection(false, List.of(new SelectedField(FieldPath.of("f64"), "celsius"),
                new SelectedField(new FieldPath(List.of("position", "lat")), "lat")), List.of());
        Route route = new Route("t", "rooms/1", p);
        JsonNode pack = json(e.encode(PayloadFormat.SENML_JSON, EVERY, every(), null, route));
        assertThat(pack).isEqualTo(json("[{\"bn\":\"rooms/1/\",\"n\":\"celsius\",\"u\":\"Cel\",\"v\":21.25},"
                + "{\"n\":\"lat\",\"v\":59.91}]"));
        Projection ignoring = new Projection(true, List.of(), List.of(FieldPath.of("blob"),
                new FieldPath(List.of("position", "lon"))));
        JsonNode rest = json(e.encode(PayloadFormat.SENML_JSON, EVERY, every(), null, new Route("t", "r", ignoring)));
        assertThat(rest.findValuesAsText("n")).doesNotContain("blob", "position/lon").contains("position/lat");
    }

    @Test
    void aValueSenmlCannotCarryIsABadRecordWithTheReason() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of());
        Schema allOptional = SchemaBuilder.struct().field("a", Schema.OPTIONAL_INT32_SCHEMA).build();
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_CBOR, allOptional, new Struct(allOptional), null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("nothing SenML can carry");
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_JSON, Schema.INT32_SCHEMA, 5, null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("SenML needs a value with fields");
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_JSON, null, "not json", null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("not a JSON document");
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_JSON, null, "[1,2]", null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("JSON array");
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_CBOR, null, Map.of("t", Double.NaN), null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("field 't'").hasMessageContaining("finite");
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_JSON, null, Map.of("room temp", 1), null, SENSORS))
                .isInstanceOf(EncodingException.class).hasMessageContaining("'sensors/room1/room temp'")
                .hasMessageContaining("RFC 8428").hasMessageContaining("AS");
        Route spaced = new Route("t", "room 1", Projection.all());
        assertThatThrownBy(() -> e.encode(PayloadFormat.SENML_JSON, null, Map.of("t", 1), null, spaced))
                .isInstanceOf(EncodingException.class).hasMessageContaining("connect.coap.senml.base.name");
    }

    @Test
    void recordsOfOneRequestFormOnePackEachWithItsOwnBaseTime() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of("t", "Cel"));
        byte[] first = e.encode(PayloadFormat.SENML_CBOR, null, Map.of("t", 20.5, "h", 40), 1_000_000_000_000L, SENSORS);
        byte[] second = e.encode(PayloadFormat.SENML_CBOR, null, Map.of("t", 21.5), 1_000_000_001_500L, SENSORS);
        CBORObject pack = CBORObject.DecodeFromBytes(e.combine(PayloadFormat.SENML_CBOR, List.of(first, second)));
        assertThat(pack.getType()).isEqualTo(CBORType.Array);
        assertThat(pack.size()).isEqualTo(3);
        assertThat(pack.get(0).get(BT).AsInt64Value()).isEqualTo(1_000_000_000L);
        assertThat(pack.get(2).get(BT).AsDoubleValue()).isEqualTo(1_000_000_001.5);
        assertThat(pack.get(2).get(V).AsDoubleValue()).isEqualTo(21.5);

        byte[] j1 = e.encode(PayloadFormat.SENML_JSON, null, Map.of("t", 20.5), 1_000_000_000_000L, SENSORS);
        byte[] j2 = e.encode(PayloadFormat.SENML_JSON, null, Map.of("t", 21.5), 1_000_000_001_500L, SENSORS);
        JsonNode merged = json(e.combine(PayloadFormat.SENML_JSON, List.of(j1, j2)));
        assertThat(merged).isEqualTo(json("[{\"bn\":\"sensors/room1/\",\"bt\":1000000000,\"n\":\"t\",\"u\":\"Cel\",\"v\":20.5},"
                + "{\"bn\":\"sensors/room1/\",\"bt\":1.0000000015E9,\"n\":\"t\",\"u\":\"Cel\",\"v\":21.5}]"));
    }

    @Test
    void cborRecordsOfOneRequestFormOneArray() {
        PayloadEncoder e = encoder(Optional.empty(), Map.of());
        java.util.List<byte[]> parts = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            parts.add(e.encode(PayloadFormat.CBOR, null, Map.of("seq", i), null, SENSORS));
        }
        byte[] body = e.combine(PayloadFormat.CBOR, parts);
        CBORObject array = CBORObject.DecodeFromBytes(body);
        assertThat(array.size()).isEqualTo(300);
        assertThat(array.get(299).get("seq").AsInt32Value()).isEqualTo(299);
        int itemBytes = parts.stream().mapToInt(p -> p.length).sum();
        assertThat(body.length).isEqualTo(itemBytes + 3).isLessThanOrEqualTo(
                io.github.coapsink.delivery.RequestFactory.batchBytes(itemBytes, 300));
    }
}
