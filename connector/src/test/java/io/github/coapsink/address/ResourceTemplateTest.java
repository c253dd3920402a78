package io.github.coapsink.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceTemplateTest {

    private static final Schema SITE = SchemaBuilder.struct().name("Site")
            .field("id", Schema.STRING_SCHEMA)
            .field("floor", Schema.OPTIONAL_INT32_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .build();
    private static final Schema READING = SchemaBuilder.struct().name("Reading")
            .field("site", SchemaBuilder.struct().name("Site2").optional()
                    .field("id", Schema.STRING_SCHEMA).field("floor", Schema.OPTIONAL_INT32_SCHEMA)
                    .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build()).build())
            .field("room", Schema.OPTIONAL_STRING_SCHEMA)
            .field("temperature", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("level", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("price", Decimal.builder(2).optional().build())
            .field("at", Timestamp.builder().optional().build())
            .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .build();

    // ------------------------------------------------------------------ helpers

    private static SinkRecord record(Object key, Object value) {
        return record(key, value, new ConnectHeaders());
    }

    private static SinkRecord record(Object key, Object value, ConnectHeaders headers) {
        return new SinkRecord("readings", 3, null, key, null, value, 42L, 1_700_000_000_123L,
                TimestampType.CREATE_TIME, headers);
    }

    private static Struct reading(String siteId, String room) {
        Struct site = new Struct(READING.field("site").schema()).put("id", siteId).put("floor", 2);
        return new Struct(READING).put("site", site).put("room", room);
    }

    private static Address resolved(String template, SinkRecord record) {
        Resolution r = ResourceTemplate.parse(template).resolve(record);
        assertThat(r).as("resolution of %s", template).isInstanceOf(Resolution.Resolved.class);
        return ((Resolution.Resolved) r).address();
    }

    private static List<String> path(String template, SinkRecord record) {
        return resolved(template, record).path();
    }

    private static String unresolvable(String template, SinkRecord record) {
        Resolution r = ResourceTemplate.parse(template).resolve(record);
        assertThat(r).as("resolution of %s", template).isInstanceOf(Resolution.Unresolvable.class);
        return ((Resolution.Unresolvable) r).reason();
    }

    private static TemplateException parseError(String template, int index, String... fragments) {
        try {
            ResourceTemplate t = ResourceTemplate.parse(template);
            throw new AssertionError("expected a TemplateException for <" + template + "> but it parsed: " + t);
        } catch (TemplateException e) {
            assertThat(e.index()).as("index of the error in <%s>: %s", template, e.getMessage()).isEqualTo(index);
            assertThat(e.getMessage()).contains("at index " + index).contains(fragments);
            assertThat(e.getMessage()).contains(e.problem()).contains(e.fix());
            return e;
        }
    }

    // ------------------------------------------------------------------ parsing

    @Nested
    class Parsing {

        @Test
        void literalTemplateResolvesToOneCachedAddress() {
            ResourceTemplate t = ResourceTemplate.parse("devices/d1/state?src=t&mode=fast");

            assertThat(t.isLiteral()).isTrue();
            assertThat(t.needsValue()).isFalse();
            Resolution first = t.resolve(record("k1", "v"));
            Resolution second = t.resolve(record(null, null));
            assertThat(second).isSameAs(first);
            assertThat(((Resolution.Resolved) first).address())
                    .isEqualTo(new Address(List.of("devices", "d1", "state"), List.of("src=t", "mode=fast")));
        }

        @Test
        void textIsTheTemplateAsWritten() {
            String written = "site/{{value.site.id}}/room-{{value.room}}?src={{topic}}";
            ResourceTemplate t = ResourceTemplate.parse(written);

            assertThat(t.text()).isEqualTo(written);
            assertThat(t).hasToString(written).isEqualTo(ResourceTemplate.parse(written));
            assertThat(t.isLiteral()).isFalse();
            assertThat(t.needsValue()).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"devices/{{key}}/state", "a/{{key.id}}", "{{header.device}}", "{{topic}}/{{partition}}",
            "x/{{offset}}?t={{timestamp}}"})
        void templatesWithoutValuePlaceholdersDoNotNeedTheValue(String template) {
            ResourceTemplate t = ResourceTemplate.parse(template);
            assertThat(t.needsValue()).isFalse();
            assertThat(t.isLiteral()).isFalse();
        }

        @Test
        void queryValueMayBeEmptyAndHoldAnEqualsSign() {
            assertThat(resolved("a?x=&y=b=c&debug", record(null, null)))
                    .isEqualTo(new Address(List.of("a"), List.of("x=", "y=b=c", "debug")));
        }

        @Test
        void literalTextIsTakenAsItIsWithoutPercentDecoding() {
            Address a = resolved("caf\u00e9/a%2Fb/r\u00e4um 1/a=b&c", record(null, null));

            assertThat(a.path()).containsExactly("caf\u00e9", "a%2Fb", "r\u00e4um 1", "a=b&c");
            assertThat(a.text()).isEqualTo("caf\u00e9/a%252Fb/r\u00e4um%201/a%3Db%26c");
        }

        @Test
        void literalOf255BytesIsAllowed() {
            String segment = "\u00e9".repeat(127) + "a";
            assertThat(path(segment, record(null, null))).containsExactly(segment);
        }
    }

    @Nested
    class ParseErrors {

        @Test
        void empty() {
            parseError("", 0, "the resource is empty", "devices/{{key}}/state");
        }

        @Test
        void unknownPlaceholderListsTheValidOnes() {
            parseError("devices/{{kee}}", 8, "unknown placeholder '{{kee}}'", TemplateParser.PLACEHOLDERS);
        }

        @ParameterizedTest
        @ValueSource(strings = {"Key", "TOPIC", "Value.x"})
        void placeholderNamesAreCaseSensitiveWithAHint(String name) {
            parseError("a/{{" + name + "}}", 2, "unknown placeholder", "case-sensitive: did you mean {{"
                    + name.toLowerCase(java.util.Locale.ROOT) + "}}?");
        }

        @Test
        void unclosedPlaceholder() {
            parseError("devices/{{key", 8, "'{{' is never closed", "close the placeholder with '}}'");
        }

        @Test
        void unclosedPlaceholderBeforeAnotherOne() {
            parseError("{{key/a/{{value.x}}", 0, "'{{' is never closed");
        }

        @Test
        void closingBracesWithoutOpening() {
            parseError("devices/key}}", 11, "'}}' closes no placeholder", "add the opening '{{'");
        }

        @Test
        void emptyPlaceholder() {
            parseError("a/{{}}", 2, "empty placeholder '{{}}'", "{{key}}, {{key.<field>}}");
        }

        @Test
        void placeholderSpanningASegmentBoundary() {
            parseError("a/{{value.a/b}}", 11, "the placeholder '{{value.a/b}}' contains '/'", "cannot span a '/'");
        }

        @Test
        void placeholderContainingAQuestionMark() {
            parseError("{{key?x}}", 5, "contains '?'", "put the '?' outside the braces");
        }

        @Test
        void placeholderContainingAnAmpersand() {
            parseError("a?x={{value.a&b}}", 13, "contains '&'");
        }

        @Test
        void tripleBraces() {
            parseError("{{{key}}}", 2, "contains a '{'", "two braces on each side");
        }

        @ParameterizedTest
        @ValueSource(strings = {"a{b", "a/{b}"})
        void loneOpeningBrace(String template) {
            parseError(template, template.indexOf('{'), "a lone '{'", "a resource cannot contain a literal '{' or '}'");
        }

        @Test
        void loneClosingBrace() {
            parseError("a}b", 1, "a lone '}'", "literal '{' or '}'");
        }

        @Test
        void spacesInsideAPlaceholder() {
            parseError("a/{{ key }}", 2, "spaces inside the placeholder '{{ key }}'", "remove them: {{key}}");
        }

        @Test
        void valueAloneNamesNoField() {
            parseError("a/{{value}}", 2, "'{{value}}' names no field", "{{value.id}}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{{header}}", "{{header.}}"})
        void headerNeedsAName(String template) {
            parseError(template, 0, "names no header", "{{header.device-id}}");
        }

        static Stream<Arguments> emptyFieldNames() {
            return Stream.of(
                    Arguments.of("{{value.}}", 8),
                    Arguments.of("x/{{value.a..b}}", 12),
                    Arguments.of("{{key..a}}", 6),
                    Arguments.of("{{value.a.}}", 10));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("emptyFieldNames")
        void emptyFieldName(String template, int index) {
            parseError(template, index, "empty field name", "{{value.site.id}}");
        }

        static Stream<Arguments> emptySegments() {
            return Stream.of(
                    Arguments.of("a//b", 2),
                    Arguments.of("a/", 2),
                    Arguments.of("/a", 0),
                    Arguments.of("{{key}}//b", 8),
                    Arguments.of("a/?x=1", 2));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("emptySegments")
        void emptyLiteralSegment(String template, int index) {
            parseError(template, index, "empty path segment", "remove the extra '/'");
        }

        @ParameterizedTest
        @ValueSource(strings = {".", ".."})
        void dotSegments(String dots) {
            parseError("a/" + dots + "/b", 2, "path segment '" + dots + "' is not allowed", "'.' or '..'");
        }

        @Test
        void emptyQueryAfterQuestionMark() {
            parseError("a?", 1, "empty query after '?'");
        }

        @Test
        void emptyQueryName() {
            parseError("a?=x", 2, "empty query name", "name=value");
        }

        @ParameterizedTest
        @ValueSource(strings = {"a?x=1&&y=2", "a?x=1&"})
        void emptyQueryParameter(String template) {
            parseError(template, 6, "empty query parameter", "remove the extra '&'");
        }

        @Test
        void placeholderInAQueryName() {
            parseError("a?{{key}}=1", 2, "a placeholder in the query name '{{key}}'", "query values only");
        }

        @Test
        void secondQuestionMark() {
            parseError("a?x=1?y=2", 5, "a second '?'", "separate query parameters with '&'");
        }

        @Test
        void controlCharacter() {
            parseError("a\nb", 1, "the control character U+000A", "remove it");
        }

        @Test
        void loneSurrogate() {
            parseError("a\ud800b", 1, "the lone surrogate U+D800");
        }

        @Test
        void literalSegmentOver255Bytes() {
            parseError("a/" + "\u00e9".repeat(128), 2, "has 256 bytes of UTF-8", "at most 255 bytes");
        }
    }

    // ------------------------------------------------------------------ resolving

    @Nested
    class Keys {

        @Test
        void stringKey() {
            assertThat(path("devices/{{key}}/state", record("d1", "v"))).containsExactly("devices", "d1", "state");
        }

        @Test
        void primitiveKeysAsText() {
            assertThat(path("{{key}}", record(42, null))).containsExactly("42");
            assertThat(path("{{key}}", record(-7L, null))).containsExactly("-7");
            assertThat(path("{{key}}", record(true, null))).containsExactly("true");
            assertThat(path("{{key}}", record((short) 5, null))).containsExactly("5");
        }

        @Test
        void nullKey() {
            assertThat(unresolvable("devices/{{key}}", record(null, "v")))
                    .isEqualTo("{{key}} needs the record key, but it is null");
            assertThat(unresolvable("devices/{{key.id}}", record(null, "v")))
                    .isEqualTo("{{key.id}} needs the record key, but it is null");
        }

        @Test
        void structKeyNeedsAField() {
            Struct key = new Struct(SITE).put("id", "s1");
            assertThat(unresolvable("{{key}}", record(key, null)))
                    .isEqualTo("{{key}} needs a primitive key, but the key is a struct; name one of its fields: {{key.<field>}}");
            assertThat(path("{{key.id}}/{{key.floor}}", record(key.put("floor", 3), null))).containsExactly("s1", "3");
        }

        @Test
        void mapKey() {
            assertThat(path("{{key.id}}", record(Map.of("id", "m1"), null))).containsExactly("m1");
            assertThat(unresolvable("{{key.nope}}", record(Map.of("id", "m1"), null)))
                    .isEqualTo("{{key.nope}}: field 'nope' is missing");
        }

        @Test
        void jsonStringKeyIsWholeForKeyAndParsedForKeyFields() {
            String key = "{\"id\":\"j1\",\"n\":7}";
            assertThat(path("{{key}}", record(key, null))).containsExactly(key);
            assertThat(path("{{key.id}}/{{key.n}}", record(key, null))).containsExactly("j1", "7");
        }

        @Test
        void nonJsonStringKeyHasNoFields() {
            assertThat(unresolvable("{{key.id}}", record("plain", null)))
                    .startsWith("{{key.id}}: the key is a string that is not JSON (")
                    .endsWith("; a field placeholder needs a struct, a map or a JSON object");
        }

        @Test
        void bytesKeyIsUtf8Text() {
            assertThat(path("{{key}}", record("dev-\u00e9".getBytes(StandardCharsets.UTF_8), null)))
                    .containsExactly("dev-\u00e9");
            assertThat(path("{{key}}", record(ByteBuffer.wrap("bb".getBytes(StandardCharsets.UTF_8)), null)))
                    .containsExactly("bb");
            assertThat(unresolvable("{{key}}", record(new byte[] {(byte) 0xff, 0x01}, null)))
                    .isEqualTo("{{key}}: the key is bytes that are not UTF-8 text");
        }

        static Stream<Arguments> awkwardKeys() {
            return Stream.of(
                    Arguments.of("a/b", "devices/a%2Fb/state"),
                    Arguments.of("room 7", "devices/room%207/state"),
                    Arguments.of("x?y", "devices/x%3Fy/state"),
                    Arguments.of("x&y=z", "devices/x%26y%3Dz/state"),
                    Arguments.of("100%", "devices/100%25/state"),
                    Arguments.of("#1", "devices/%231/state"),
                    Arguments.of("..x", "devices/..x/state"),
                    Arguments.of("tab\there", "devices/tab%09here/state"),
                    Arguments.of("caf\u00e9", "devices/caf\u00e9/state"),
                    Arguments.of("nb\u00a0sp", "devices/nb%C2%A0sp/state"));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("awkwardKeys")
        void aKeyStaysInsideItsSegment(String key, String text) {
            Address a = resolved("devices/{{key}}/state", record(key, null));

            assertThat(a.path()).containsExactly("devices", key, "state");
            assertThat(a.query()).isEmpty();
            assertThat(a.text()).isEqualTo(text);
        }

        @ParameterizedTest
        @ValueSource(strings = {".", ".."})
        void aKeyCannotClimbALevel(String key) {
            assertThat(unresolvable("devices/{{key}}/state", record(key, null)))
                    .isEqualTo("the path segment '{{key}}' resolves to '" + key + "'; a path segment cannot be '.' or '..'");
        }

        @Test
        void aSegmentBuiltFromSeveralPartsMayNotBeDotsEither() {
            assertThat(unresolvable(".{{key}}", record(".", null))).contains("resolves to '..'");
            assertThat(path(".{{key}}", record("x", null))).containsExactly(".x");
        }

        @Test
        void anEmptyKeyCannotMakeAnEmptySegment() {
            assertThat(unresolvable("devices/{{key}}/state", record("", null)))
                    .isEqualTo("the path segment '{{key}}' resolves to an empty string; a path segment cannot be empty");
            assertThat(path("devices/d{{key}}", record("", null))).containsExactly("devices", "d");
        }

        @Test
        void aKeyInTheQueryStaysInItsValueAndMayBeEmpty() {
            Address a = resolved("devices?id={{key}}&mode=fast", record("a&b=c?d/e", null));
            assertThat(a.query()).containsExactly("id=a&b=c?d/e", "mode=fast");
            assertThat(a.text()).isEqualTo("devices?id=a%26b%3Dc%3Fd%2Fe&mode=fast");

            assertThat(resolved("devices?id={{key}}", record("", null)).query()).containsExactly("id=");
        }

        @Test
        void segmentsUpTo255BytesOfUtf8() {
            assertThat(path("room-{{key}}", record("a".repeat(250), null))).containsExactly("room-" + "a".repeat(250));
            assertThat(unresolvable("room-{{key}}", record("a".repeat(251), null)))
                    .isEqualTo("the path segment 'room-{{key}}' resolves to 256 bytes of UTF-8; a CoAP option holds at most 255");
            assertThat(unresolvable("{{key}}", record("\u00e9".repeat(128), null))).contains("256 bytes");
            assertThat(unresolvable("a?id={{key}}", record("a".repeat(253), null)))
                    .isEqualTo("the query parameter 'id={{key}}' resolves to 256 bytes of UTF-8; a CoAP option holds at most 255");
        }

        @Test
        void loneSurrogateInAKey() {
            assertThat(unresolvable("{{key}}", record("a\ud800", null))).contains("lone surrogate");
        }
    }

    @Nested
    class Values {

        @Test
        void structValueNestedFields() {
            assertThat(path("site/{{value.site.id}}/room-{{value.room}}", record("k", reading("s1", "7"))))
                    .containsExactly("site", "s1", "room-7");
        }

        @Test
        void structMissingField() {
            Struct noSite = new Struct(SchemaBuilder.struct().field("room", Schema.STRING_SCHEMA).build()).put("room", "r");
            assertThat(unresolvable("{{value.site.id}}", record("k", noSite)))
                    .isEqualTo("{{value.site.id}}: field 'site' is missing");
            assertThat(unresolvable("{{value.site.nope}}", record("k", reading("s1", "7"))))
                    .isEqualTo("{{value.site.nope}}: field 'site.nope' is missing");
        }

        @Test
        void structNullFields() {
            assertThat(unresolvable("{{value.room}}", record("k", reading("s1", null))))
                    .isEqualTo("{{value.room}}: field 'room' is null");
            assertThat(unresolvable("{{value.site.id}}", record("k", new Struct(READING).put("room", "r"))))
                    .isEqualTo("{{value.site.id}}: field 'site' is null, so it has no field 'id'");
        }

        @Test
        void structNeedsAScalar() {
            Struct v = reading("s1", "7");
            assertThat(unresolvable("{{value.site}}", record("k", v)))
                    .isEqualTo("{{value.site}} is a struct; a placeholder needs a scalar (string, number, boolean)");
            v.getStruct("site").put("tags", List.of("a"));
            assertThat(unresolvable("{{value.site.tags}}", record("k", v)))
                    .isEqualTo("{{value.site.tags}} is a list; a placeholder needs a scalar (string, number, boolean)");
            v.put("attrs", Map.of("a", "b"));
            assertThat(unresolvable("{{value.attrs}}", record("k", v))).startsWith("{{value.attrs}} is a map;");
            assertThat(path("{{value.attrs.a}}", record("k", v))).containsExactly("b");
        }

        @Test
        void aScalarHasNoFields() {
            assertThat(unresolvable("{{value.room.x}}", record("k", reading("s1", "7"))))
                    .isEqualTo("{{value.room.x}}: field 'room' is a string, not a struct or map, so it has no field 'x'");
            assertThat(unresolvable("{{value.x}}", record("k", 5)))
                    .isEqualTo("{{value.x}}: the value is a number, not a struct, a map or JSON text, so it has no field 'x'");
        }

        @Test
        void schemalessMap() {
            Map<String, Object> site = new HashMap<>();
            site.put("id", "m1");
            site.put("gone", null);
            Map<String, Object> value = Map.of("site", site, "room", 12L);
            assertThat(path("site/{{value.site.id}}/room-{{value.room}}", record(null, value)))
                    .containsExactly("site", "m1", "room-12");
            assertThat(unresolvable("{{value.site.gone}}", record(null, value)))
                    .isEqualTo("{{value.site.gone}}: field 'site.gone' is null");
            assertThat(unresolvable("{{value.site.nope}}", record(null, value)))
                    .isEqualTo("{{value.site.nope}}: field 'site.nope' is missing");
            assertThat(unresolvable("{{value.x}}", record(null, Map.of(1, "a"))))
                    .isEqualTo("{{value.x}}: field 'x' is missing");
        }

        @Test
        void jsonStringValue() {
            String json = "{\"site\":{\"id\":\"j1\",\"n\":null,\"tags\":[1]},\"room\":7,\"t\":21.50,\"e\":1e3,"
                    + "\"ok\":true}";
            SinkRecord r = record(null, json);
            assertThat(path("site/{{value.site.id}}/room-{{value.room}}", r)).containsExactly("site", "j1", "room-7");
            assertThat(path("{{value.t}}/{{value.e}}/{{value.ok}}", r)).containsExactly("21.50", "1000", "true");
            assertThat(unresolvable("{{value.site.nope}}", r)).isEqualTo("{{value.site.nope}}: field 'site.nope' is missing");
            assertThat(unresolvable("{{value.site.n}}", r)).isEqualTo("{{value.site.n}}: field 'site.n' is null");
            assertThat(unresolvable("{{value.site}}", r))
                    .isEqualTo("{{value.site}} is an object; a placeholder needs a scalar (string, number, boolean)");
            assertThat(unresolvable("{{value.site.tags}}", r)).startsWith("{{value.site.tags}} is an array;");
            assertThat(unresolvable("{{value.room.x}}", r))
                    .isEqualTo("{{value.room.x}}: field 'room' is a number, not an object, so it has no field 'x'");
        }

        @Test
        void jsonFieldsTakeTheLastOccurrenceAndSkipWhatIsNotNamed() {
            String json = "{\"skip\":{\"deep\":[{\"a\":[1,{\"b\":null}]}]},\"site\":{\"id\":\"old\",\"x\":1},"
                    + "\"site\":{\"id\":\"new\"},\"room\":{\"n\":1},\"room\":\"r2\"}";
            SinkRecord r = record(null, json);
            assertThat(path("{{value.site.id}}/{{value.room}}", r)).containsExactly("new", "r2");
            assertThat(unresolvable("{{value.site.x}}", r)).isEqualTo("{{value.site.x}}: field 'site.x' is missing");
        }

        @Test
        void hugeJsonNumbersAreUnresolvableWithoutBuildingThem() {
            assertThat(unresolvable("{{value.n}}", record(null, "{\"n\":1e999999999}")))
                    .isEqualTo("{{value.n}} is a number longer than a CoAP option can hold");
            assertThat(unresolvable("{{value.n}}", record(null, Map.of("n", new BigDecimal("1E+999999999")))))
                    .isEqualTo("{{value.n}} is a number longer than a CoAP option can hold");
        }

        @Test
        void jsonKeyAndValueInOneTemplate() {
            assertThat(path("{{key.id}}/{{value.id}}", record("{\"id\":\"k\"}", "{\"id\":\"v\"}")))
                    .containsExactly("k", "v");
        }

        @Test
        void jsonBytesValue() {
            byte[] json = "{\"id\":\"b1\"}".getBytes(StandardCharsets.UTF_8);
            assertThat(path("{{value.id}}", record(null, json))).containsExactly("b1");
            assertThat(path("{{value.id}}", record(null, ByteBuffer.wrap(json)))).containsExactly("b1");
            byte[] padded = ("xx" + new String(json, StandardCharsets.UTF_8) + "yy").getBytes(StandardCharsets.UTF_8);
            assertThat(path("{{value.id}}", record(null, ByteBuffer.wrap(padded, 2, json.length).slice())))
                    .containsExactly("b1");
        }

        @Test
        void nonJsonStringValue() {
            assertThat(unresolvable("{{value.id}}", record(null, "hello")))
                    .startsWith("{{value.id}}: the value is a string that is not JSON (Unrecognized token 'hello'");
            assertThat(unresolvable("{{value.id}}", record(null, "  ")))
                    .isEqualTo("{{value.id}}: the value is a string that is empty or blank, not JSON; "
                            + "a field placeholder needs a struct, a map or a JSON object");
            assertThat(unresolvable("{{value.id}}", record(null, "{\"id\":1} x"))).contains("not JSON");
        }

        @Test
        void jsonArrayValueHasNoFields() {
            assertThat(unresolvable("{{value.id}}", record(null, "[1,2]")))
                    .isEqualTo("{{value.id}}: the value is JSON, but an array, not an object, so it has no field 'id'");
        }

        @Test
        void tombstoneCannotBeAddressedByItsValue() {
            assertThat(unresolvable("devices/{{key}}/{{value.site.id}}", record("k", null)))
                    .isEqualTo("the record is a tombstone (null value) but the resource needs {{value.site.id}}");
        }

        @Test
        void tombstoneWithoutValuePlaceholdersResolves() {
            assertThat(path("devices/{{key}}", record("k", null))).containsExactly("devices", "k");
        }

        @Test
        void valuesAreReadBeforeAnyProjectionAndSeveralInOneSegment() {
            assertThat(path("{{value.site.id}}-{{value.site.floor}}-{{key}}", record("k", reading("s", "r"))))
                    .containsExactly("s-2-k");
        }
    }

    @Nested
    class Formatting {

        private String format(Object fieldValue) {
            Map<String, Object> value = new HashMap<>();
            value.put("f", fieldValue);
            Resolution r = ResourceTemplate.parse("{{value.f}}").resolve(record(null, value));
            return r instanceof Resolution.Resolved res ? res.address().path().get(0)
                    : "UNRESOLVABLE: " + ((Resolution.Unresolvable) r).reason();
        }

        @Test
        void doublesUseTheShortestRoundTripDigitsWithoutExponent() {
            assertThat(format(7.0)).isEqualTo("7.0");
            assertThat(format(2.5)).isEqualTo("2.5");
            assertThat(format(-0.0)).isEqualTo("-0.0");
            assertThat(format(1e-4)).isEqualTo("0.0001");
            assertThat(format(1.5e-7)).isEqualTo("0.00000015");
            assertThat(format(1e7)).isEqualTo("10000000.0");
            assertThat(format(12345678.9)).isEqualTo("12345678.9");
            assertThat(format(0.1f)).isEqualTo("0.1");
            assertThat(format(3e10f)).isEqualTo("30000000000.0");
            assertThat(format(1.0e23)).isEqualTo("100000000000000000000000.0");
        }

        @Test
        void nanAndInfinityAreUnresolvable() {
            assertThat(format(Double.NaN)).isEqualTo("UNRESOLVABLE: {{value.f}} is NaN; a placeholder needs a finite number");
            assertThat(format(Double.POSITIVE_INFINITY)).isEqualTo("UNRESOLVABLE: {{value.f}} is Infinity; a placeholder needs a finite number");
            assertThat(format(Float.NEGATIVE_INFINITY)).contains("-Infinity");
        }

        @Test
        void decimalsArePlain() {
            assertThat(format(new BigDecimal("12.50"))).isEqualTo("12.50");
            assertThat(format(new BigDecimal("1E+3"))).isEqualTo("1000");
            Struct v = new Struct(READING).put("price", new BigDecimal("3.10"));
            assertThat(path("{{value.price}}", record(null, v))).containsExactly("3.10");
        }

        @Test
        void datesAreEpochMilliseconds() {
            Struct v = new Struct(READING).put("at", new java.util.Date(1_700_000_000_999L));
            assertThat(path("{{value.at}}", record(null, v))).containsExactly("1700000000999");
        }

        @Test
        void bytesFieldsAreUnresolvable() {
            Struct v = new Struct(READING).put("raw", new byte[] {1, 2});
            assertThat(unresolvable("{{value.raw}}", record(null, v))).isEqualTo(
                    "{{value.raw}} is bytes; a placeholder needs a scalar (string, number, boolean), and bytes have no single text form");
            assertThat(format(ByteBuffer.wrap(new byte[] {1}))).contains("is bytes");
        }

        @Test
        void floatAndDoubleFieldsOfAStruct() {
            Struct v = new Struct(READING).put("temperature", 21.5).put("level", Float.NaN);
            assertThat(path("{{value.temperature}}", record(null, v))).containsExactly("21.5");
            assertThat(unresolvable("{{value.level}}", record(null, v))).isEqualTo("{{value.level}} is NaN; a placeholder needs a finite number");
        }
    }

    @Nested
    class RecordMetadataAndHeaders {

        @Test
        void topicPartitionOffsetTimestamp() {
            assertThat(resolved("{{topic}}/{{partition}}/{{offset}}?t={{timestamp}}", record(null, null)))
                    .isEqualTo(new Address(List.of("readings", "3", "42"), List.of("t=1700000000123")));
        }

        @Test
        void missingTimestamp() {
            SinkRecord r = new SinkRecord("t", 0, null, null, null, null, 1L);
            assertThat(unresolvable("{{timestamp}}", r)).isEqualTo("{{timestamp}}: the record has no timestamp");
        }

        @Test
        void lastHeaderOfThatNameWins() {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("device", "first").addString("other", "x").addString("device", "last");
            assertThat(path("{{header.device}}", record(null, null, headers))).containsExactly("last");
        }

        @Test
        void headerNamesMayContainDots() {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("coap.device.id", "d");
            assertThat(path("{{header.coap.device.id}}", record(null, null, headers))).containsExactly("d");
        }

        @Test
        void headerPrimitivesAndBytes() {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addInt("n", 7).addBoolean("b", false).addBytes("u", "dev\u00e9".getBytes(StandardCharsets.UTF_8))
                    .addBytes("bin", new byte[] {(byte) 0xc3}).addDouble("d", 1.0);
            SinkRecord r = record(null, null, headers);
            assertThat(path("{{header.n}}/{{header.b}}/{{header.u}}/{{header.d}}", r))
                    .containsExactly("7", "false", "dev\u00e9", "1.0");
            assertThat(unresolvable("{{header.bin}}", r)).isEqualTo("{{header.bin}}: the header 'bin' is bytes that are not UTF-8 text");
        }

        @Test
        void missingAndNullHeaders() {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("device", "x").addString("device", null);
            SinkRecord r = record(null, null, headers);
            assertThat(unresolvable("{{header.nope}}", r)).isEqualTo("{{header.nope}}: the record has no header 'nope'");
            assertThat(unresolvable("{{header.device}}", r)).isEqualTo("{{header.device}}: the last header 'device' is null");
        }

        @Test
        void structHeaderNeedsAScalar() {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addStruct("s", new Struct(SITE).put("id", "x"));
            assertThat(unresolvable("{{header.s}}", record(null, null, headers))).isEqualTo(
                    "{{header.s}} is a struct; a placeholder needs a scalar (string, number, boolean)");
        }
    }

    @Nested
    class Addresses {

        @Test
        void sameDeviceGivesEqualAddresses() {
            ResourceTemplate t = ResourceTemplate.parse("devices/{{key}}/state?src={{topic}}");
            Address a = ((Resolution.Resolved) t.resolve(record(new String("d1"), "x"))).address();
            Address b = ((Resolution.Resolved) t.resolve(record("d" + 1, "y"))).address();
            Address c = ((Resolution.Resolved) t.resolve(record("d2", "x"))).address();

            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
            assertThat(a.text()).isEqualTo("devices/d1/state?src=readings").isEqualTo(a.toString());
        }

        @Test
        void pathAndQueryAreImmutable() {
            Address a = resolved("a/{{key}}?x={{key}}", record("k", null));
            assertThatThrownBy(() -> a.path().add("x")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> a.query().add("x")).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void textEscapesAmbiguousAndNonPrintableCharacters() {
            Address a = new Address(List.of("a/b", "100%", "x y", "\u0000\u007f\u0085", "\u00e9\ud83d\ude00", "\u200b"),
                    List.of("k=v=w&x", "flag", "n?=#"));
            assertThat(a.text()).isEqualTo("a%2Fb/100%25/x%20y/%00%7F%C2%85/\u00e9\ud83d\ude00/%E2%80%8B"
                    + "?k=v%3Dw%26x&flag&n%3F=%23");
        }
    }
}
