package io.github.coapsink.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.kcql.FieldPath;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.SelectedField;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RecordEncoderTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final Schema USER = SchemaBuilder.struct().name("User")
            .field("firstName", Schema.STRING_SCHEMA)
            .field("lastName", Schema.STRING_SCHEMA)
            .field("age", Schema.INT32_SCHEMA)
            .field("salary", Schema.FLOAT64_SCHEMA)
            .build();

    private static final Schema ADDRESS = SchemaBuilder.struct().name("Address").optional()
            .field("street", Schema.STRING_SCHEMA)
            .field("city", Schema.STRING_SCHEMA)
            .build();

    private static final Schema PERSON = SchemaBuilder.struct().name("Person")
            .field("name", Schema.STRING_SCHEMA)
            .field("address", ADDRESS)
            .field("tags", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .field("balance", Decimal.builder(2).build())
            .field("ratio", Schema.FLOAT32_SCHEMA)
            .build();

    private final RecordEncoder failing = new RecordEncoder(PlainStringPolicy.FAIL);
    private final RecordEncoder wrapping = new RecordEncoder(PlainStringPolicy.WRAP);

    // ---------------------------------------------------------------- helpers

    private String encode(Schema schema, Object value) {
        return encode(schema, value, Projection.all());
    }

    private String encode(Schema schema, Object value, Projection projection) {
        return new String(failing.encode(schema, value, projection), StandardCharsets.UTF_8);
    }

    private String wrap(Schema schema, Object value) {
        return new String(wrapping.encode(schema, value, Projection.all()), StandardCharsets.UTF_8);
    }

    private static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** Semantic comparison, for cases where key order does not matter. */
    private static void assertSameJson(String actual, String expected) {
        assertThat(tree(actual)).isEqualTo(tree(expected));
    }

    private static FieldPath path(String dotted) {
        return new FieldPath(List.of(dotted.split("\\.")));
    }

    private static SelectedField field(String dotted) {
        FieldPath p = path(dotted);
        return new SelectedField(p, p.last());
    }

    private static SelectedField field(String dotted, String alias) {
        return new SelectedField(path(dotted), alias);
    }

    private static Projection select(SelectedField... fields) {
        return new Projection(false, List.of(fields), List.of());
    }

    private static Projection star(SelectedField... fields) {
        return new Projection(true, List.of(fields), List.of());
    }

    private static Projection ignoring(Projection p, String... paths) {
        return new Projection(p.selectAll(), p.fields(), Arrays.stream(paths).map(RecordEncoderTest::path).toList());
    }

    private static Struct user() {
        return new Struct(USER).put("firstName", "John").put("lastName", "Smith").put("age", 30).put("salary", 4830.0);
    }

    private static Struct person() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("color", "red");
        tags.put("size", "L");
        return new Struct(PERSON)
                .put("name", "Ann")
                .put("address", new Struct(ADDRESS).put("street", "Main St 1").put("city", "Oslo"))
                .put("tags", tags)
                .put("balance", new BigDecimal("12.30"))
                .put("ratio", 1.1f);
    }

    private static final String PERSON_JSON = "{\"name\":\"Ann\",\"address\":{\"street\":\"Main St 1\",\"city\":\"Oslo\"},"
            + "\"tags\":{\"color\":\"red\",\"size\":\"L\"},\"balance\":12.30,\"ratio\":1.1}";

    private static long millis(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    // ---------------------------------------------------------------- structs

    @Nested
    class Structs {

        @Test
        void userRecordIsCompactJsonInSchemaOrder() {
            assertThat(encode(USER, user()))
                    .isEqualTo("{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830.0}");
        }

        @Test
        void nullSchemaUsesTheStructsOwnSchema() {
            assertThat(encode(null, user()))
                    .isEqualTo("{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830.0}");
        }

        @Test
        void everyPrimitiveType() {
            Schema schema = SchemaBuilder.struct()
                    .field("i8", Schema.INT8_SCHEMA)
                    .field("i16", Schema.INT16_SCHEMA)
                    .field("i32", Schema.INT32_SCHEMA)
                    .field("i64", Schema.INT64_SCHEMA)
                    .field("f32", Schema.FLOAT32_SCHEMA)
                    .field("f64", Schema.FLOAT64_SCHEMA)
                    .field("bool", Schema.BOOLEAN_SCHEMA)
                    .field("str", Schema.STRING_SCHEMA)
                    .build();
            Struct s = new Struct(schema)
                    .put("i8", (byte) -128)
                    .put("i16", (short) 32767)
                    .put("i32", Integer.MIN_VALUE)
                    .put("i64", Long.MAX_VALUE)
                    .put("f32", 1.1f)
                    .put("f64", -0.000123)
                    .put("bool", false)
                    .put("str", "quote \" backslash \\ newline \n é 😀");
            assertThat(encode(schema, s)).isEqualTo("{\"i8\":-128,\"i16\":32767,\"i32\":-2147483648,"
                    + "\"i64\":9223372036854775807,\"f32\":1.1,\"f64\":-1.23E-4,\"bool\":false,"
                    + "\"str\":\"quote \\\" backslash \\\\ newline \\n é 😀\"}");
        }

        @Test
        void outputIsUtf8() {
            Schema schema = SchemaBuilder.struct().field("s", Schema.STRING_SCHEMA).build();
            byte[] out = failing.encode(schema, new Struct(schema).put("s", "é"), Projection.all());
            assertThat(out).containsExactly("{\"s\":\"é\"}".getBytes(StandardCharsets.UTF_8));
        }

        @Test
        void bytesAreBase64() {
            Schema schema = SchemaBuilder.struct()
                    .field("raw", Schema.BYTES_SCHEMA)
                    .field("buf", Schema.BYTES_SCHEMA)
                    .field("direct", Schema.BYTES_SCHEMA)
                    .build();
            byte[] raw = {0, 1, 2, (byte) 0xfb, (byte) 0xff, 'x'};
            ByteBuffer buf = ByteBuffer.wrap(new byte[] {9, 9, 'a', 'b', 'c', 9}, 2, 3);
            ByteBuffer direct = ByteBuffer.allocateDirect(4).put(new byte[] {(byte) 0xde, (byte) 0xad, 1, 2});
            direct.flip();
            String out = encode(schema, new Struct(schema).put("raw", raw).put("buf", buf).put("direct", direct));
            Base64.Encoder b64 = Base64.getEncoder();
            assertThat(out).isEqualTo("{\"raw\":\"" + b64.encodeToString(raw) + "\",\"buf\":\"YWJj\",\"direct\":\""
                    + b64.encodeToString(new byte[] {(byte) 0xde, (byte) 0xad, 1, 2}) + "\"}");
            assertThat(buf.position()).as("input buffer untouched").isEqualTo(2);
            assertThat(direct.position()).isZero();
        }

        @Test
        void arraysOfPrimitivesStructsAndNulls() {
            Schema schema = SchemaBuilder.struct()
                    .field("ints", SchemaBuilder.array(Schema.INT32_SCHEMA).build())
                    .field("users", SchemaBuilder.array(USER).build())
                    .field("maybe", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
                    .field("empty", SchemaBuilder.array(Schema.INT64_SCHEMA).build())
                    .field("matrix", SchemaBuilder.array(SchemaBuilder.array(Schema.INT8_SCHEMA).build()).build())
                    .build();
            Struct s = new Struct(schema)
                    .put("ints", List.of(1, 2, 3))
                    .put("users", List.of(user()))
                    .put("maybe", Arrays.asList("a", null))
                    .put("empty", List.of())
                    .put("matrix", List.of(List.of((byte) 1), List.of((byte) 2, (byte) 3)));
            assertThat(encode(schema, s)).isEqualTo("{\"ints\":[1,2,3],\"users\":[{\"firstName\":\"John\","
                    + "\"lastName\":\"Smith\",\"age\":30,\"salary\":4830.0}],\"maybe\":[\"a\",null],\"empty\":[],"
                    + "\"matrix\":[[1],[2,3]]}");
        }

        @Test
        void mapsWithStringAndPrimitiveKeysAreObjects() {
            Schema schema = SchemaBuilder.struct()
                    .field("byName", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
                    .field("byId", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
                    .field("byFlag", SchemaBuilder.map(Schema.BOOLEAN_SCHEMA, Schema.FLOAT64_SCHEMA).build())
                    .field("byDay", SchemaBuilder.map(Date.SCHEMA, Schema.INT32_SCHEMA).build())
                    .field("nested", SchemaBuilder.map(Schema.STRING_SCHEMA,
                            SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).build()).build())
                    .build();
            Map<String, Integer> inner = new LinkedHashMap<>();
            inner.put("x", 1);
            inner.put("y", null);
            Struct s = new Struct(schema)
                    .put("byName", new LinkedHashMap<>(Map.of("a", 1)))
                    .put("byId", new TreeMap<>(Map.of(7L, "seven", -1L, "minus one")))
                    .put("byFlag", new LinkedHashMap<>(Map.of(true, 0.5)))
                    .put("byDay", Map.of(new java.util.Date(millis("2024-03-01T00:00:00Z")), 3))
                    .put("nested", Map.of("in", inner));
            assertThat(encode(schema, s)).isEqualTo("{\"byName\":{\"a\":1},\"byId\":{\"-1\":\"minus one\",\"7\":\"seven\"},"
                    + "\"byFlag\":{\"true\":0.5},\"byDay\":{\"2024-03-01\":3},\"nested\":{\"in\":{\"x\":1,\"y\":null}}}");
        }

        @Test
        void mapsWithStructOrArrayKeysAreArraysOfEntries() {
            Schema key = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
            Schema schema = SchemaBuilder.struct()
                    .field("byKey", SchemaBuilder.map(key, Schema.STRING_SCHEMA).build())
                    .field("byList", SchemaBuilder.map(SchemaBuilder.array(Schema.STRING_SCHEMA).build(),
                            Schema.BOOLEAN_SCHEMA).build())
                    .build();
            Struct s = new Struct(schema)
                    .put("byKey", Map.of(new Struct(key).put("id", 1), "one"))
                    .put("byList", Map.of(List.of("a", "b"), true));
            assertThat(encode(schema, s)).isEqualTo("{\"byKey\":[{\"key\":{\"id\":1},\"value\":\"one\"}],"
                    + "\"byList\":[{\"key\":[\"a\",\"b\"],\"value\":true}]}");
        }

        @Test
        void nullMapKeyIsAnErrorNamingTheField() {
            Schema schema = SchemaBuilder.struct()
                    .field("m", SchemaBuilder.map(Schema.OPTIONAL_STRING_SCHEMA, Schema.INT32_SCHEMA).build())
                    .build();
            Map<String, Integer> m = new HashMap<>();
            m.put(null, 1);
            assertThatThrownBy(() -> encode(schema, new Struct(schema).put("m", m)))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'm'")
                    .hasMessageContaining("null");
        }

        @Test
        void nestedStructs() {
            Schema inner = SchemaBuilder.struct().field("v", Schema.INT32_SCHEMA).build();
            Schema middle = SchemaBuilder.struct().field("inner", inner).field("w", Schema.STRING_SCHEMA).build();
            Schema outer = SchemaBuilder.struct().field("middle", middle).build();
            Struct s = new Struct(outer).put("middle",
                    new Struct(middle).put("inner", new Struct(inner).put("v", 5)).put("w", "x"));
            assertThat(encode(outer, s)).isEqualTo("{\"middle\":{\"inner\":{\"v\":5},\"w\":\"x\"}}");
        }

        @Test
        void optionalNullFieldsStayAsJsonNull() {
            Schema schema = SchemaBuilder.struct()
                    .field("s", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("i", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("addr", ADDRESS)
                    .field("list", SchemaBuilder.array(Schema.INT32_SCHEMA).optional().build())
                    .field("ts", Timestamp.builder().optional().build())
                    .build();
            assertThat(encode(schema, new Struct(schema)))
                    .isEqualTo("{\"s\":null,\"i\":null,\"addr\":null,\"list\":null,\"ts\":null}");
        }

        @Test
        void nullFieldWithADefaultGetsTheDefault() {
            Schema schema = SchemaBuilder.struct()
                    .field("level", SchemaBuilder.int32().optional().defaultValue(3).build())
                    .build();
            assertThat(encode(schema, new Struct(schema))).isEqualTo("{\"level\":3}");
        }

        @Test
        void decimalsAreExactPlainNumbers() {
            Schema schema = SchemaBuilder.struct()
                    .field("big", Decimal.schema(9))
                    .field("trailing", Decimal.schema(2))
                    .field("tiny", Decimal.schema(8))
                    .field("negative", Decimal.schema(3))
                    .field("none", Decimal.builder(1).optional().build())
                    .build();
            Struct s = new Struct(schema)
                    .put("big", new BigDecimal("12345678901234567890.123456789"))
                    .put("trailing", new BigDecimal("12.30"))
                    .put("tiny", new BigDecimal("0.00000001"))
                    .put("negative", new BigDecimal("-0.100"));
            String out = encode(schema, s);
            assertThat(out).isEqualTo("{\"big\":12345678901234567890.123456789,\"trailing\":12.30,"
                    + "\"tiny\":0.00000001,\"negative\":-0.100,\"none\":null}");
            assertThat(tree(out).get("big").decimalValue()).isNotNull();
        }

        @Test
        void dateTimeAndTimestampAreIsoStrings() {
            Schema schema = SchemaBuilder.struct()
                    .field("date", Date.SCHEMA)
                    .field("time", Time.SCHEMA)
                    .field("ts", Timestamp.SCHEMA)
                    .field("wholeSecond", Timestamp.SCHEMA)
                    .field("old", Timestamp.SCHEMA)
                    .field("oldDate", Date.SCHEMA)
                    .build();
            Struct s = new Struct(schema)
                    .put("date", new java.util.Date(millis("2024-03-01T00:00:00Z")))
                    .put("time", new java.util.Date(13 * 3_600_000L + 45 * 60_000L + 30_123L))
                    .put("ts", new java.util.Date(millis("2024-03-01T13:45:30.123Z")))
                    .put("wholeSecond", new java.util.Date(millis("2024-03-01T13:45:30Z")))
                    .put("old", new java.util.Date(millis("1969-12-31T23:59:59.999Z")))
                    .put("oldDate", new java.util.Date(millis("1969-07-20T00:00:00Z")));
            assertThat(encode(schema, s)).isEqualTo("{\"date\":\"2024-03-01\",\"time\":\"13:45:30.123\","
                    + "\"ts\":\"2024-03-01T13:45:30.123Z\",\"wholeSecond\":\"2024-03-01T13:45:30.000Z\","
                    + "\"old\":\"1969-12-31T23:59:59.999Z\",\"oldDate\":\"1969-07-20\"}");
        }

        @Test
        void logicalTypesAtTopLevel() {
            assertThat(encode(Timestamp.SCHEMA, new java.util.Date(millis("2024-03-01T13:45:30.123Z"))))
                    .isEqualTo("\"2024-03-01T13:45:30.123Z\"");
            assertThat(encode(Decimal.schema(2), new BigDecimal("1.50"))).isEqualTo("1.50");
            assertThat(encode(Schema.INT32_SCHEMA, 42)).isEqualTo("42");
            assertThat(encode(SchemaBuilder.array(Schema.STRING_SCHEMA).build(), List.of("a"))).isEqualTo("[\"a\"]");
        }

        @Test
        void timeOutsideOneDayIsAnError() {
            Schema schema = SchemaBuilder.struct().field("t", Time.SCHEMA).build();
            assertThatThrownBy(() -> encode(schema, new Struct(schema).put("t", new java.util.Date(86_400_000L))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 't'")
                    .hasMessageContaining("within one day");
        }

        @Test
        void nanIsAnErrorNamingTheField() {
            Struct u = user().put("salary", Double.NaN);
            assertThatThrownBy(() -> encode(USER, u))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'salary'")
                    .hasMessageContaining("NaN");
        }

        @Test
        void infinityInsideNestedArrayNamesThePath() {
            Schema inner = SchemaBuilder.struct()
                    .field("scores", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build()).build();
            Schema outer = SchemaBuilder.struct().field("stats", inner).build();
            Struct s = new Struct(outer).put("stats",
                    new Struct(inner).put("scores", List.of(1f, Float.POSITIVE_INFINITY)));
            assertThatThrownBy(() -> encode(outer, s))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'stats.scores[1]'")
                    .hasMessageContaining("Infinity");
        }

        @Test
        void nanInsideMapValueNamesTheKey() {
            Schema schema = SchemaBuilder.struct()
                    .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build()).build();
            Struct s = new Struct(schema).put("m", Map.of("temp", Double.NEGATIVE_INFINITY));
            assertThatThrownBy(() -> encode(schema, s))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'm.temp'")
                    .hasMessageContaining("-Infinity");
        }

        @Test
        void topLevelValueNotMatchingItsSchemaIsAnError() {
            assertThatThrownBy(() -> encode(Schema.INT32_SCHEMA, "42"))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("INT32")
                    .hasMessageContaining("java.lang.String");
            assertThatThrownBy(() -> encode(Schema.STRING_SCHEMA, 42))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("STRING");
            assertThatThrownBy(() -> encode(Schema.BYTES_SCHEMA, "text"))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("BYTES");
        }

        @Test
        void nullValueIsAnEncodingExceptionNotAnNpe() {
            assertThatThrownBy(() -> failing.encode(USER, null, Projection.all()))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("tombstone");
            assertThatThrownBy(() -> failing.encode(null, null, Projection.all()))
                    .isInstanceOf(EncodingException.class);
        }

        @Test
        void nullProjectionMeansSelectAll() {
            assertThat(new String(failing.encode(USER, user(), null), StandardCharsets.UTF_8))
                    .isEqualTo(encode(USER, user()));
        }

        @Test
        void concurrentUseGivesEachCallerItsOwnResult() {
            List<String> results = IntStream.range(0, 2_000).parallel()
                    .mapToObj(i -> encode(USER, user().put("age", i)))
                    .toList();
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i)).isEqualTo(
                        "{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":" + i + ",\"salary\":4830.0}");
            }
        }
    }

    // ---------------------------------------------------------------- JSON text

    @Nested
    class JsonText {

        @Test
        void jsonObjectStringIsCompactedKeepingOrder() {
            String in = " \n {\n  \"b\" : [ true, null, \"x\" ],\n  \"a\" : { \"c\" : -1 }\n }\t\n";
            assertThat(encode(Schema.STRING_SCHEMA, in)).isEqualTo("{\"b\":[true,null,\"x\"],\"a\":{\"c\":-1}}");
            assertThat(encode(Schema.OPTIONAL_STRING_SCHEMA, in)).isEqualTo("{\"b\":[true,null,\"x\"],\"a\":{\"c\":-1}}");
            assertThat(encode(null, in)).isEqualTo("{\"b\":[true,null,\"x\"],\"a\":{\"c\":-1}}");
        }

        @Test
        void numbersKeepTheirExactText() {
            String in = "{\"p\":1.10,\"tenth\":0.1,\"big\":123456789012345678901234567890,\"e\":1E+2,\"f\":1.000000000000000000001}";
            assertThat(encode(null, in)).isEqualTo(in);
        }

        @Test
        void stringsAreReEscapedEquivalently() {
            String in = "{\"s\":\"caf\\u00e9 \\\"q\\\" \\n\"}";
            assertSameJson(encode(null, in), in);
            assertThat(tree(encode(null, in)).get("s").asText()).isEqualTo("café \"q\" \n");
        }

        @Test
        void topLevelArraysNumbersAndLiterals() {
            assertThat(encode(null, "[1, {\"a\": [ ]}, \"x\"]")).isEqualTo("[1,{\"a\":[]},\"x\"]");
            assertThat(encode(null, " 42 ")).isEqualTo("42");
            assertThat(encode(null, "\"quoted\"")).isEqualTo("\"quoted\"");
            assertThat(encode(null, "true")).isEqualTo("true");
            assertThat(encode(null, "null")).isEqualTo("null");
        }

        @Test
        void plainTextFailsWithAHelpfulMessage() {
            assertThatThrownBy(() -> encode(Schema.STRING_SCHEMA, "hello world"))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageStartingWith("value is a string but not a JSON document: ")
                    .hasMessageContaining("hello world")
                    .hasMessageEndingWith("(set connect.coap.plain.string.policy=WRAP to send it as a JSON string)");
        }

        @Test
        void trailingGarbageIsNotJson() {
            for (String in : List.of("{\"a\":1} x", "{\"a\":1} {\"b\":2}", "[1] 2", "42 43", "{\"a\":1}}")) {
                assertThatThrownBy(() -> encode(null, in)).as(in)
                        .isInstanceOf(EncodingException.class)
                        .hasMessageStartingWith("value is a string but not a JSON document: ");
            }
        }

        @Test
        void brokenAndBlankTextIsNotJson() {
            for (String in : List.of("", "   \n", "{\"a\":1", "{'a':1}", "{\"a\":NaN}", "01", "[1,]", "{\"a\" 1}")) {
                assertThatThrownBy(() -> encode(null, in)).as("'" + in + "'")
                        .isInstanceOf(EncodingException.class)
                        .hasMessageStartingWith("value is a string but not a JSON document: ");
            }
        }

        @Test
        void errorMessageShowsAtMost64CharactersOfTheValue() {
            String secret = "x".repeat(64) + "SECRET" + "y".repeat(10_000);
            assertThatThrownBy(() -> encode(null, secret))
                    .isInstanceOf(EncodingException.class)
                    .satisfies(e -> {
                        assertThat(e.getMessage()).doesNotContain("SECRET").doesNotContain("x".repeat(65));
                        assertThat(e.getMessage().length()).isLessThan(400);
                        assertThat(e.getMessage()).contains("10070 chars");
                        assertThat(e.getCause()).isNull();
                    });
            String token = "tok" + "z".repeat(300);
            assertThatThrownBy(() -> encode(null, token))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("z".repeat(65)));
        }

        @Test
        void errorMessageDoesNotQuoteABadTokenFromDeepInTheValue() {
            String in = "{\"a\":\"" + "p".repeat(100) + "\",\"b\":SECRETTOKEN}";
            assertThatThrownBy(() -> encode(null, in))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("unrecognized token")
                    .hasMessageContaining("(line 1, column ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRET"));
        }

        @Test
        void emptyStringMessageSaysSo() {
            assertThatThrownBy(() -> encode(Schema.STRING_SCHEMA, ""))
                    .isInstanceOf(EncodingException.class)
                    .hasMessage("value is a string but not a JSON document: it is empty or blank"
                            + " (set connect.coap.plain.string.policy=WRAP to send it as a JSON string)");
        }

        @Test
        void wrapSendsPlainTextAsAJsonString() {
            assertThat(wrap(Schema.STRING_SCHEMA, "hello")).isEqualTo("\"hello\"");
            assertThat(wrap(null, "say \"hi\"\nbye")).isEqualTo("\"say \\\"hi\\\"\\nbye\"");
            assertThat(wrap(null, "  ")).isEqualTo("\"  \"");
            assertThat(wrap(null, "{\"a\":1} x")).isEqualTo("\"{\\\"a\\\":1} x\"");
        }

        @Test
        void wrapStillParsesValidJson() {
            assertThat(wrap(null, "{ \"a\" : 1 }")).isEqualTo("{\"a\":1}");
            assertThat(wrap(null, "7")).isEqualTo("7");
        }

        @Test
        void bytesHoldingJsonAreParsedAsUtf8() {
            byte[] json = "{ \"name\" : \"Zoë\", \"n\": 1.50 }".getBytes(StandardCharsets.UTF_8);
            assertThat(encode(null, json)).isEqualTo("{\"name\":\"Zoë\",\"n\":1.50}");
            assertThat(encode(Schema.BYTES_SCHEMA, json)).isEqualTo("{\"name\":\"Zoë\",\"n\":1.50}");
            assertThat(encode(Schema.OPTIONAL_BYTES_SCHEMA, ByteBuffer.wrap(json))).isEqualTo("{\"name\":\"Zoë\",\"n\":1.50}");
            byte[] framed = ("xx[1,2]yy").getBytes(StandardCharsets.UTF_8);
            assertThat(encode(null, ByteBuffer.wrap(framed, 2, 5))).isEqualTo("[1,2]");
        }

        @Test
        void utf8ByteOrderMarkIsSkipped() {
            byte[] json = "\uFEFF{\"a\":1}".getBytes(StandardCharsets.UTF_8);
            assertThat(json[0]).isEqualTo((byte) 0xef);
            assertThat(encode(null, json)).isEqualTo("{\"a\":1}");
        }

        @Test
        void duplicateKeysPassThroughUnchangedWithoutProjection() {
            assertThat(encode(null, "{\"a\":1, \"a\":2}")).isEqualTo("{\"a\":1,\"a\":2}");
        }

        @Test
        void bytesThatAreNotJson() {
            byte[] text = "plain text".getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> encode(Schema.BYTES_SCHEMA, text))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageStartingWith("value is bytes but not a JSON document: ")
                    .hasMessageContaining("plain text")
                    .hasMessageContaining("connect.coap.plain.string.policy=WRAP");
            assertThat(wrap(Schema.BYTES_SCHEMA, text)).isEqualTo("\"plain text\"");
            byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
            assertThatThrownBy(() -> wrap(null, binary))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("UTF-8");
        }

        @Test
        void invalidUtf8InsideJsonBytesIsNotJson() {
            byte[] bad = {'"', (byte) 0xc3, (byte) 0x28, '"'};
            assertThatThrownBy(() -> encode(null, bad))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageStartingWith("value is bytes but not a JSON document");
        }

        @Test
        void decimalBytesSchemaIsANumberNotText() {
            assertThat(encode(Decimal.schema(3), new BigDecimal("2.500"))).isEqualTo("2.500");
        }

        @Test
        void nestedStringFieldsAreNotParsed() {
            Schema schema = SchemaBuilder.struct().field("doc", Schema.STRING_SCHEMA).build();
            assertThat(encode(schema, new Struct(schema).put("doc", "{\"a\":1}"))).isEqualTo("{\"doc\":\"{\\\"a\\\":1}\"}");
            assertThat(encode(null, Map.of("doc", "not json"))).isEqualTo("{\"doc\":\"not json\"}");
        }

        @Test
        void tooDeepJsonFailsEvenWithWrap() {
            String deep = "[".repeat(5_000) + "]".repeat(5_000);
            assertThatThrownBy(() -> wrap(null, deep))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("limits");
        }
    }

    // ---------------------------------------------------------------- schemaless values

    @Nested
    class Schemaless {

        @Test
        void nestedMapsListsAndMixedTypesInInsertionOrder() {
            Map<String, Object> inner = new LinkedHashMap<>();
            inner.put("list", Arrays.asList(1, "two", null, List.of(3.5), Map.of("k", false)));
            inner.put("none", null);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("int", 1);
            m.put("long", 9_007_199_254_740_993L);
            m.put("short", (short) -2);
            m.put("byte", (byte) 7);
            m.put("float", 2.5f);
            m.put("double", 0.1);
            m.put("decimal", new BigDecimal("3.140"));
            m.put("bigint", new BigInteger("123456789012345678901234567890"));
            m.put("bool", true);
            m.put("str", "s");
            m.put("bytes", new byte[] {1, 2, 3});
            m.put("buffer", ByteBuffer.wrap(new byte[] {'h', 'i'}));
            m.put("date", new java.util.Date(millis("2024-03-01T13:45:30.123Z")));
            m.put("sqlDate", new java.sql.Date(millis("2024-03-01T00:00:00Z")));
            m.put("user", user());
            m.put("inner", inner);
            assertThat(encode(null, m)).isEqualTo("{\"int\":1,\"long\":9007199254740993,\"short\":-2,\"byte\":7,"
                    + "\"float\":2.5,\"double\":0.1,\"decimal\":3.140,\"bigint\":123456789012345678901234567890,"
                    + "\"bool\":true,\"str\":\"s\",\"bytes\":\"AQID\",\"buffer\":\"aGk=\","
                    + "\"date\":\"2024-03-01T13:45:30.123Z\",\"sqlDate\":\"2024-03-01T00:00:00.000Z\","
                    + "\"user\":{\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830.0},"
                    + "\"inner\":{\"list\":[1,\"two\",null,[3.5],{\"k\":false}],\"none\":null}}");
        }

        @Test
        void mapKeysBecomeTheirText() {
            Map<Object, Object> m = new LinkedHashMap<>();
            m.put(1, "int");
            m.put(2L, "long");
            m.put(true, "bool");
            m.put(new BigDecimal("1E+3"), "decimal");
            m.put('c', "char");
            assertThat(encode(null, m))
                    .isEqualTo("{\"1\":\"int\",\"2\":\"long\",\"true\":\"bool\",\"1000\":\"decimal\",\"c\":\"char\"}");
        }

        @Test
        void unusableMapKeysAreErrors() {
            Map<Object, Object> nullKey = new HashMap<>();
            nullKey.put(null, 1);
            assertThatThrownBy(() -> encode(null, nullKey))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("null");
            Map<String, Object> nested = Map.of("outer", Map.of(List.of(1), "v"));
            assertThatThrownBy(() -> encode(null, nested))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'outer'")
                    .hasMessageContaining("cannot be a JSON object key");
        }

        @Test
        void unsupportedJavaTypeNamesTypeAndPath() {
            Map<String, Object> m = Map.of("ids", List.of("a", UUID.fromString("00000000-0000-0000-0000-000000000001")));
            assertThatThrownBy(() -> encode(null, m))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'ids[1]'")
                    .hasMessageContaining("java.util.UUID");
        }

        @Test
        void nanInSchemalessMapNamesTheKey() {
            Map<String, Object> m = Map.of("reading", Map.of("value", Float.NaN));
            assertThatThrownBy(() -> encode(null, m))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'reading.value'")
                    .hasMessageContaining("NaN");
            assertThatThrownBy(() -> encode(null, Double.NaN))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("record value")
                    .hasMessageContaining("NaN");
        }

        @Test
        void listsAndPrimitivesAtTopLevel() {
            assertThat(encode(null, List.of(1, List.of("a"), Map.of()))).isEqualTo("[1,[\"a\"],{}]");
            assertThat(encode(null, 42)).isEqualTo("42");
            assertThat(encode(null, -7L)).isEqualTo("-7");
            assertThat(encode(null, 2.25)).isEqualTo("2.25");
            assertThat(encode(null, false)).isEqualTo("false");
            assertThat(encode(null, new BigDecimal("0.00000001"))).isEqualTo("0.00000001");
            assertThat(encode(null, new java.util.Date(0))).isEqualTo("\"1970-01-01T00:00:00.000Z\"");
        }

        @Test
        void mapWithAMapSchema() {
            Schema schema = SchemaBuilder.map(Schema.INT32_SCHEMA, Timestamp.SCHEMA).build();
            Map<Integer, java.util.Date> m = new TreeMap<>(Map.of(2, new java.util.Date(0), 1, new java.util.Date(1)));
            assertThat(encode(schema, m))
                    .isEqualTo("{\"1\":\"1970-01-01T00:00:00.001Z\",\"2\":\"1970-01-01T00:00:00.000Z\"}");
        }
    }

    // ---------------------------------------------------------------- projections

    @Nested
    class StructProjection {

        @Test
        void selectKeepsOnlyTheListedFieldsInSelectOrder() {
            assertThat(encode(USER, user(), select(field("age"), field("firstName"))))
                    .isEqualTo("{\"age\":30,\"firstName\":\"John\"}");
        }

        @Test
        void aliasesRenameFields() {
            assertThat(encode(USER, user(), select(field("firstName", "name"), field("salary", "pay"))))
                    .isEqualTo("{\"name\":\"John\",\"pay\":4830.0}");
        }

        @Test
        void nestedSelectReadsInsideStructsAndMaps() {
            assertThat(encode(PERSON, person(), select(field("name"), field("address.city"), field("tags.color", "c"))))
                    .isEqualTo("{\"name\":\"Ann\",\"city\":\"Oslo\",\"c\":\"red\"}");
        }

        @Test
        void selectWholeNestedStructAndDecimal() {
            assertThat(encode(PERSON, person(), select(field("address"), field("balance"))))
                    .isEqualTo("{\"address\":{\"street\":\"Main St 1\",\"city\":\"Oslo\"},\"balance\":12.30}");
        }

        @Test
        void nestedSelectThroughANullOptionalStructIsNull() {
            Struct p = person().put("address", null);
            assertThat(encode(PERSON, p, select(field("name"), field("address.city"))))
                    .isEqualTo("{\"name\":\"Ann\",\"city\":null}");
        }

        @Test
        void missingKeyInsideAMapFieldIsOmitted() {
            assertThat(encode(PERSON, person(), select(field("name"), field("tags.weight"))))
                    .isEqualTo("{\"name\":\"Ann\"}");
        }

        @Test
        void fieldMissingFromTheSchemaIsAnErrorListingTheAvailableOnes() {
            assertThatThrownBy(() -> encode(USER, user(), select(field("firstName"), field("email"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("'email'")
                    .hasMessageContaining("[firstName, lastName, age, salary]");
        }

        @Test
        void nestedFieldMissingFromTheSchemaIsAnError() {
            assertThatThrownBy(() -> encode(PERSON, person(), select(field("address.zip"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("'address.zip'")
                    .hasMessageContaining("'address' has no field 'zip'")
                    .hasMessageContaining("[street, city]");
        }

        @Test
        void pathThroughAPrimitiveIsAnError() {
            assertThatThrownBy(() -> encode(USER, user(), select(field("age.years"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("'age.years'")
                    .hasMessageContaining("INT32");
        }

        @Test
        void starWithRenameKeepsThePosition() {
            assertThat(encode(USER, user(), star(field("lastName", "surname"))))
                    .isEqualTo("{\"firstName\":\"John\",\"surname\":\"Smith\",\"age\":30,\"salary\":4830.0}");
        }

        @Test
        void starWithTheSameFieldUnderTwoAliases() {
            assertThat(encode(USER, user(), star(field("age", "a1"), field("age", "a2"))))
                    .isEqualTo("{\"firstName\":\"John\",\"lastName\":\"Smith\",\"a1\":30,\"a2\":30,\"salary\":4830.0}");
        }

        @Test
        void starWithANestedFieldAddsItAtTheEnd() {
            assertThat(encode(PERSON, person(), star(field("address.city", "city"))))
                    .isEqualTo(PERSON_JSON.substring(0, PERSON_JSON.length() - 1) + ",\"city\":\"Oslo\"}");
        }

        @Test
        void starWithRenameOfAMissingFieldIsAnError() {
            assertThatThrownBy(() -> encode(USER, user(), star(field("nick", "n"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("'nick'");
        }

        @Test
        void aliasCollidingWithAnotherFieldIsAnError() {
            assertThatThrownBy(() -> encode(USER, user(), star(field("firstName", "age"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("two fields named 'age'");
            assertThatThrownBy(() -> encode(USER, user(), select(field("firstName", "x"), field("lastName", "x"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("two fields named 'x'");
        }

        @Test
        void ignoreRemovesTopLevelFields() {
            assertThat(encode(USER, user(), ignoring(star(), "salary", "firstName")))
                    .isEqualTo("{\"lastName\":\"Smith\",\"age\":30}");
        }

        @Test
        void nestedIgnoreRemovesInsideTheNestedObjectKeepingExactValues() {
            String out = encode(PERSON, person(), ignoring(star(), "address.street", "tags.size"));
            assertThat(out).isEqualTo("{\"name\":\"Ann\",\"address\":{\"city\":\"Oslo\"},\"tags\":{\"color\":\"red\"},"
                    + "\"balance\":12.30,\"ratio\":1.1}");
        }

        @Test
        void nestedIgnoreKeepsDecimalFloatAndBytesForms() {
            Schema inner = SchemaBuilder.struct()
                    .field("d", Decimal.schema(2))
                    .field("f", Schema.FLOAT32_SCHEMA)
                    .field("b", Schema.BYTES_SCHEMA)
                    .field("t", Timestamp.SCHEMA)
                    .field("drop", Schema.STRING_SCHEMA)
                    .build();
            Schema outer = SchemaBuilder.struct().field("in", inner).build();
            Struct s = new Struct(outer).put("in", new Struct(inner)
                    .put("d", new BigDecimal("10.10")).put("f", 0.3f).put("b", new byte[] {1, 2, 3})
                    .put("t", new java.util.Date(0)).put("drop", "x"));
            assertThat(encode(outer, s, ignoring(star(), "in.drop")))
                    .isEqualTo("{\"in\":{\"d\":10.10,\"f\":0.3,\"b\":\"AQID\",\"t\":\"1970-01-01T00:00:00.000Z\"}}");
        }

        @Test
        void ignoreOfAnAbsentPathIsANoOp() {
            assertThat(encode(USER, user(), ignoring(star(), "nothing", "age.deeper", "nothing.deeper")))
                    .isEqualTo(encode(USER, user()));
        }

        @Test
        void ignoreWorksOnTheResultAfterSelectAndRename() {
            assertThat(encode(PERSON, person(), ignoring(star(field("address.city", "city")), "address", "tags", "ratio")))
                    .isEqualTo("{\"name\":\"Ann\",\"balance\":12.30,\"city\":\"Oslo\"}");
            assertThat(encode(PERSON, person(), ignoring(select(field("name"), field("address", "where")), "where.street")))
                    .isEqualTo("{\"name\":\"Ann\",\"where\":{\"city\":\"Oslo\"}}");
        }

        @Test
        void nestedIgnoreOnOneAliasDoesNotTouchTheOther() {
            assertThat(encode(PERSON, person(),
                    ignoring(select(field("address"), field("address", "copy")), "copy.city")))
                    .isEqualTo("{\"address\":{\"street\":\"Main St 1\",\"city\":\"Oslo\"},\"copy\":{\"street\":\"Main St 1\"}}");
        }

        @Test
        void nanInAProjectedFieldNamesTheOutputField() {
            assertThatThrownBy(() -> encode(USER, user().put("salary", Double.NaN), select(field("salary", "pay"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("field 'pay'")
                    .hasMessageContaining("NaN");
        }

        @Test
        void projectionDoesNotChangeTheInputStruct() {
            Struct p = person();
            encode(PERSON, p, ignoring(star(field("name", "n")), "address.city", "tags.color"));
            assertThat(encode(PERSON, p)).isEqualTo(PERSON_JSON);
        }
    }

    @Nested
    class SchemalessProjection {

        private Map<String, Object> reading() {
            Map<String, Object> location = new LinkedHashMap<>();
            location.put("room", "lab");
            location.put("floor", 2);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", "s1");
            m.put("temp", 21.5);
            m.put("location", location);
            m.put("note", null);
            return m;
        }

        private static final String READING = "{\"id\":\"s1\",\"temp\":21.5,\"location\":{\"room\":\"lab\",\"floor\":2},\"note\":null}";

        @Test
        void selectAliasAndNestedOnAMap() {
            assertThat(encode(null, reading(), select(field("temp", "t"), field("location.room"), field("note"))))
                    .isEqualTo("{\"t\":21.5,\"room\":\"lab\",\"note\":null}");
        }

        @Test
        void missingKeysAreOmitted() {
            assertThat(encode(null, reading(), select(field("id"), field("humidity"), field("location.wing"),
                    field("note.deeper"), field("temp.deeper"))))
                    .isEqualTo("{\"id\":\"s1\"}");
        }

        @Test
        void starRenameNestedAddAndIgnore() {
            assertThat(encode(null, reading(), ignoring(star(field("id", "sensor"), field("location.floor", "floor"),
                    field("missing", "m")), "location.floor", "note")))
                    .isEqualTo("{\"sensor\":\"s1\",\"temp\":21.5,\"location\":{\"room\":\"lab\"},\"floor\":2}");
        }

        @Test
        void nonStringKeysCanBeSelectedByTheirText() {
            Map<Object, Object> m = new TreeMap<>(Map.of(1, "one", 2, "two"));
            assertThat(encode(null, m, select(field("2", "second")))).isEqualTo("{\"second\":\"two\"}");
            Map<Object, Object> hashed = new HashMap<>(Map.of(10L, "ten"));
            assertThat(encode(null, hashed, select(field("10")))).isEqualTo("{\"10\":\"ten\"}");
        }

        @Test
        void structInsideAMapIsCheckedAgainstItsSchema() {
            Map<String, Object> m = Map.of("user", user());
            assertThat(encode(null, m, select(field("user.age")))).isEqualTo("{\"age\":30}");
            assertThatThrownBy(() -> encode(null, m, select(field("user.email"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("'user.email'")
                    .hasMessageContaining("[firstName, lastName, age, salary]");
        }

        @Test
        void mapWithSchemaIsProjectedToo() {
            Schema schema = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build();
            Map<String, Integer> m = new LinkedHashMap<>();
            m.put("a", 1);
            m.put("b", 2);
            assertThat(encode(schema, m, ignoring(star(), "a"))).isEqualTo("{\"b\":2}");
        }

        @Test
        void mapKeysCollidingAfterStringificationAreAnErrorUnderProjection() {
            Map<Object, Object> m = new LinkedHashMap<>();
            m.put(1, "int");
            m.put("1", "string");
            assertThatThrownBy(() -> encode(null, m, ignoring(star(), "x")))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("two fields named '1'");
        }
    }

    @Nested
    class JsonTextProjection {

        private static final String DOC = "{ \"id\": \"s1\", \"price\": 1.10, \"big\": 123456789012345678901234567890,"
                + " \"loc\": { \"room\": \"lab\", \"floor\": 2 }, \"tags\": [\"a\"] }";

        @Test
        void selectAliasAndNestedOnJsonText() {
            assertThat(encode(Schema.STRING_SCHEMA, DOC, select(field("price", "p"), field("loc.room"), field("nope"))))
                    .isEqualTo("{\"p\":1.10,\"room\":\"lab\"}");
        }

        @Test
        void starRenameAndNestedIgnoreKeepExactNumbers() {
            assertThat(encode(null, DOC, ignoring(star(field("id", "sensor"), field("loc.floor", "floor")), "loc.room", "tags")))
                    .isEqualTo("{\"sensor\":\"s1\",\"price\":1.10,\"big\":123456789012345678901234567890,\"loc\":{\"floor\":2},"
                            + "\"floor\":2}");
        }

        @Test
        void exponentNumbersArePlainUnderProjection() {
            assertThat(encode(null, "{\"e\":1E+2,\"small\":2.50e-3,\"drop\":0}", ignoring(star(), "drop")))
                    .isEqualTo("{\"e\":100,\"small\":0.00250}");
        }

        @Test
        void jsonBytesAreProjectedToo() {
            byte[] doc = DOC.getBytes(StandardCharsets.UTF_8);
            assertThat(encode(null, doc, select(field("id")))).isEqualTo("{\"id\":\"s1\"}");
            assertThat(encode(Schema.BYTES_SCHEMA, ByteBuffer.wrap(doc), ignoring(star(), "loc", "tags", "big")))
                    .isEqualTo("{\"id\":\"s1\",\"price\":1.10}");
        }

        @Test
        void invalidJsonWithProjectionFollowsThePolicy() {
            assertThatThrownBy(() -> encode(null, "{\"a\":1} junk", select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageStartingWith("value is a string but not a JSON document: ");
            assertThatThrownBy(() -> wrapping.encode(null, "plain", select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("SELECT/IGNORE needs an object value");
            assertThatThrownBy(() -> encode(null, " ", select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageStartingWith("value is a string but not a JSON document: ");
        }

        @Test
        void jsonArrayOrNumberWithProjectionIsAnError() {
            assertThatThrownBy(() -> encode(null, "[{\"a\":1}]", select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("SELECT/IGNORE needs an object value")
                    .hasMessageContaining("array");
            assertThatThrownBy(() -> encode(null, "5", ignoring(star(), "a")))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("number");
        }
    }

    @Nested
    class NonObjectProjection {

        @Test
        void projectionOnAListOrPrimitiveIsAnError() {
            assertThatThrownBy(() -> encode(null, List.of(1, 2), select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("SELECT/IGNORE needs an object value")
                    .hasMessageContaining("a list");
            assertThatThrownBy(() -> encode(Schema.INT64_SCHEMA, 5L, ignoring(star(), "x")))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("INT64");
            Schema keyed = SchemaBuilder.map(SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Schema.INT32_SCHEMA).build();
            assertThatThrownBy(() -> encode(keyed, Map.of(List.of(1), 1), select(field("a"))))
                    .isInstanceOf(EncodingException.class)
                    .hasMessageContaining("MAP");
        }

        @Test
        void identityOnNonObjectsIsFine() {
            assertThat(encode(null, new ArrayList<>(List.of(1, 2)), star())).isEqualTo("[1,2]");
        }
    }
}
