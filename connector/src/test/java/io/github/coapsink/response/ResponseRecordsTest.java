package io.github.coapsink.response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.coapsink.send.CoapAnswer;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.junit.jupiter.api.Test;

class ResponseRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponseSettings settings(boolean schemas, List<String> headers) {
        return new ResponseSettings("answers", schemas, headers, CodeFilter.parse(List.of()), Map.of());
    }

    private static SinkRecord input(Object key, long offset) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("correlation-id", "c-" + offset);
        headers.addString("other", "x");
        headers.addLong("attempt", 3L);
        return new SinkRecord("commands", 2, null, key, null, "{}", offset, 1_700_000_000_000L + offset,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, headers);
    }

    private static OutgoingRequest post(String resource, String body) {
        return new OutgoingRequest(resource, OutgoingRequest.Method.POST, body.getBytes(StandardCharsets.UTF_8), true);
    }

    private static CoapAnswer answer(String code, String name, int cf, byte[] payload) {
        return new CoapAnswer(code, name, cf, payload, List.of("0a1b"), "cmd/17", "s=1", 30);
    }

    private static JsonNode value(ProducerRecord<byte[], byte[]> r) throws Exception {
        return JSON.readTree(r.value());
    }

    @Test
    void oneRecordPerInputWithTheRequestTheAnswerAndTheSourceCoordinates() throws Exception {
        ResponseRecords records = new ResponseRecords(settings(false, List.of("correlation-id")), "coap://gw:5683/api");
        SendResult result = SendResult.delivered("2.04")
                .withAnswer(answer("2.04", "CHANGED", 50, "{\"state\":\"on\"}".getBytes(StandardCharsets.UTF_8)));
        List<ProducerRecord<byte[], byte[]>> out = records.build(List.of(input("dev-1", 41), input("dev-1", 42)),
                post("actuators/dev-1/cmd", "[1,2]"), result, 12_345_678);

        assertThat(out).hasSize(2);
        ProducerRecord<byte[], byte[]> first = out.get(0);
        assertThat(first.topic()).isEqualTo("answers");
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("dev-1");
        assertThat(first.headers().toArray()).singleElement().satisfies(h -> {
            assertThat(h.key()).isEqualTo("correlation-id");
            assertThat(new String(h.value(), StandardCharsets.UTF_8)).isEqualTo("c-41");
        });
        JsonNode v = value(first);
        assertThat(v.get("outcome").asText()).isEqualTo("DELIVERED");
        assertThat(v.at("/request/method").asText()).isEqualTo("POST");
        assertThat(v.at("/request/uri").asText()).isEqualTo("coap://gw:5683/api/actuators/dev-1/cmd");
        assertThat(v.at("/request/confirmable").asBoolean()).isTrue();
        assertThat(v.at("/request/content_format").asInt()).isEqualTo(50);
        assertThat(v.at("/request/payload_bytes").asInt()).isEqualTo(5);
        assertThat(v.at("/request/records").asInt()).isEqualTo(2);
        assertThat(v.at("/response/code").asText()).isEqualTo("2.04");
        assertThat(v.at("/response/name").asText()).isEqualTo("CHANGED");
        assertThat(v.at("/response/content_format").asInt()).isEqualTo(50);
        assertThat(v.at("/response/payload").asText()).isEqualTo("{\"state\":\"on\"}");
        assertThat(v.at("/response/payload_encoding").asText()).isEqualTo("text");
        assertThat(v.at("/response/etags/0").asText()).isEqualTo("0a1b");
        assertThat(v.at("/response/location_path").asText()).isEqualTo("cmd/17");
        assertThat(v.at("/response/location_query").asText()).isEqualTo("s=1");
        assertThat(v.at("/response/max_age").asLong()).isEqualTo(30);
        assertThat(v.get("latency_ms").asDouble()).isEqualTo(12.346);
        assertThat(v.at("/source/topic").asText()).isEqualTo("commands");
        assertThat(v.at("/source/partition").asInt()).isEqualTo(2);
        assertThat(v.at("/source/offset").asLong()).isEqualTo(41);
        assertThat(v.at("/source/timestamp").asLong()).isEqualTo(1_700_000_000_041L);
        assertThat(value(out.get(1)).at("/source/offset").asLong()).isEqualTo(42);
    }

    @Test
    void binaryBodiesAndBodiesThatAreNotUtf8AreBase64() throws Exception {
        ResponseRecords records = new ResponseRecords(settings(false, List.of()), "coap://gw");
        byte[] cbor = {(byte) 0xa1, 0x61, 0x61, 0x01};
        JsonNode v = value(records.build(List.of(input("k", 1)), post("x", "{}"),
                SendResult.delivered("2.05").withAnswer(answer("2.05", "CONTENT", 60, cbor)), 0).get(0));
        assertThat(v.at("/response/payload_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(v.at("/response/payload").asText())).isEqualTo(cbor);

        byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe};
        JsonNode w = value(records.build(List.of(input("k", 1)), post("x", "{}"),
                SendResult.delivered("2.05").withAnswer(answer("2.05", "CONTENT", -1, notUtf8)), 0).get(0));
        assertThat(w.at("/response/payload_encoding").asText()).isEqualTo("base64");
        assertThat(w.at("/response/content_format").isNull()).isTrue();
    }

    @Test
    void aFailureAndANonRequest() throws Exception {
        ResponseRecords records = new ResponseRecords(settings(false, List.of()), "coap://gw");
        JsonNode failed = value(records.build(List.of(input("k", 1)), post("x", "{}"),
                SendResult.permanent("4.04", "not found").withAnswer(answer("4.04", "NOT_FOUND", -1, new byte[0])),
                0).get(0));
        assertThat(failed.get("outcome").asText()).isEqualTo("FAILED");
        assertThat(failed.at("/response/code").asText()).isEqualTo("4.04");
        assertThat(failed.at("/response/payload").isNull()).isTrue();

        JsonNode sent = value(records.build(List.of(input("k", 1)), post("x", "{}"), SendResult.delivered(null), 0)
                .get(0));
        assertThat(sent.get("outcome").asText()).isEqualTo("SENT");
        assertThat(sent.get("response").isNull()).isTrue();
    }

    @Test
    void withSchemasTheValueIsJsonConvertersEnvelopeAndReadsBackAsAStruct() {
        ResponseRecords records = new ResponseRecords(settings(true, List.of("*")), "coap://gw");
        ProducerRecord<byte[], byte[]> r = records.build(List.of(input(7L, 9)), post("x", "{}"),
                SendResult.delivered("2.04").withAnswer(answer("2.04", "CHANGED", 0, "ok".getBytes())), 1_000)
                .get(0);
        JsonConverter reader = new JsonConverter();
        reader.configure(Map.of("schemas.enable", true, "converter.type", "value"));
        SchemaAndValue back = reader.toConnectData("answers", r.value());
        assertThat(back.schema().name()).isEqualTo("io.github.coapsink.CoapExchange");
        Struct struct = (Struct) back.value();
        assertThat(struct.getStruct("response").getString("payload")).isEqualTo("ok");
        assertThat(struct.getStruct("source").getInt64("offset")).isEqualTo(9L);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).as("a non-string key as JSON").isEqualTo("7");
        assertThat(r.headers().toArray()).extracting(h -> h.key())
                .containsExactly("correlation-id", "other", "attempt");
        assertThat(new String(r.headers().lastHeader("attempt").value(), StandardCharsets.UTF_8)).isEqualTo("3");
    }

    @Test
    void aNullKeyStaysNull() {
        ResponseRecords records = new ResponseRecords(settings(false, List.of()), "coap://gw");
        assertThat(records.build(List.of(input(null, 1)), post("x", "{}"), SendResult.delivered(null), 0).get(0).key())
                .isNull();
    }

    @Test
    void theCodeFilter() {
        CodeFilter all = CodeFilter.parse(List.of());
        assertThat(all.accepts("2.04")).isTrue();
        assertThat(all.accepts(null)).isTrue();
        CodeFilter errors = CodeFilter.parse(List.of("4.xx", " 5.XX "));
        assertThat(errors.accepts("4.04")).isTrue();
        assertThat(errors.accepts("5.03")).isTrue();
        assertThat(errors.accepts("2.05")).isFalse();
        assertThat(errors.accepts(null)).isFalse();
        CodeFilter content = CodeFilter.parse(List.of("2.05", "sent"));
        assertThat(content.accepts("2.05")).isTrue();
        assertThat(content.accepts("2.04")).isFalse();
        assertThat(content.accepts(null)).isTrue();
        assertThatThrownBy(() -> CodeFilter.parse(List.of("204"))).hasMessageContaining("'204'")
                .hasMessageContaining("2.xx");
        assertThatThrownBy(() -> CodeFilter.parse(List.of("3.xx"))).hasMessageContaining("'3.xx'");
    }
}
