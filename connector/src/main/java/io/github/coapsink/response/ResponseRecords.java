package io.github.coapsink.response;

import io.github.coapsink.send.CoapAnswer;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns an answer into the records of the response topic: one per input record, keyed by its key, the value a
 * JSON object (JsonConverter, with or without its schema envelope) described in the README's "Responses back to
 * Kafka". Thread-safe.
 */
public final class ResponseRecords {

    /** How a request ended, as written in {@code outcome}. */
    public static final String DELIVERED = "DELIVERED";
    public static final String FAILED = "FAILED";
    public static final String SENT = "SENT";

    static final Schema REQUEST = SchemaBuilder.struct().name("io.github.coapsink.CoapRequest")
            .field("method", Schema.STRING_SCHEMA)
            .field("uri", Schema.STRING_SCHEMA)
            .field("confirmable", Schema.BOOLEAN_SCHEMA)
            .field("content_format", Schema.OPTIONAL_INT32_SCHEMA)
            .field("payload_bytes", Schema.INT32_SCHEMA)
            .field("records", Schema.INT32_SCHEMA)
            .build();
    static final Schema RESPONSE = SchemaBuilder.struct().name("io.github.coapsink.CoapResponse").optional()
            .field("code", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("content_format", Schema.OPTIONAL_INT32_SCHEMA)
            .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
            .field("payload_encoding", Schema.OPTIONAL_STRING_SCHEMA)
            .field("etags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("location_path", Schema.OPTIONAL_STRING_SCHEMA)
            .field("location_query", Schema.OPTIONAL_STRING_SCHEMA)
            .field("max_age", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    static final Schema SOURCE = SchemaBuilder.struct().name("io.github.coapsink.SourceRecord")
            .field("topic", Schema.STRING_SCHEMA)
            .field("partition", Schema.INT32_SCHEMA)
            .field("offset", Schema.INT64_SCHEMA)
            .field("timestamp", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    /** The value of a response record. */
    public static final Schema VALUE = SchemaBuilder.struct().name("io.github.coapsink.CoapExchange").version(1)
            .field("outcome", Schema.STRING_SCHEMA)
            .field("request", REQUEST)
            .field("response", RESPONSE)
            .field("latency_ms", Schema.FLOAT64_SCHEMA)
            .field("source", SOURCE)
            .build();

    /** Content-Formats whose bodies are text (RFC 7252 12.3 and the IANA registry): written as text, not base64. */
    private static final Set<Integer> TEXT_FORMATS = Set.of(0, 40, 41, 50, 51, 52, 110, 111, 310, 311, 320, 321,
            432, 10000);

    private final ResponseSettings settings;
    private final String uriPrefix;
    private final JsonConverter values = new JsonConverter();
    private final JsonConverter keys = new JsonConverter();

    /**
     * @param uriPrefix the server's URI with the connector URI's path, without a trailing '/', e.g.
     *     {@code coap://gw:5683/api}; a request's resource is appended
     */
    public ResponseRecords(ResponseSettings settings, String uriPrefix) {
        this.settings = settings;
        this.uriPrefix = uriPrefix;
        values.configure(Map.of("schemas.enable", settings.schemas(), "converter.type", "value",
                "decimal.format", "NUMERIC"));
        keys.configure(Map.of("schemas.enable", false, "converter.type", "key"));
    }

    /** What {@code outcome} says for this result. */
    static String outcome(SendResult result) {
        if (result.responseCode() == null) {
            return SENT;
        }
        return result.delivered() ? DELIVERED : FAILED;
    }

    /** One record per input record, in their order. */
    public List<ProducerRecord<byte[], byte[]>> build(List<SinkRecord> records, OutgoingRequest request,
            SendResult result, long latencyNanos) {
        Struct req = new Struct(REQUEST)
                .put("method", request.method().name())
                .put("uri", uriPrefix + "/" + request.resource())
                .put("confirmable", request.confirmable())
                .put("content_format", request.payload().length == 0 ? null : request.contentFormat())
                .put("payload_bytes", request.payload().length)
                .put("records", records.size());
        Struct resp = response(result.answer(), result.responseCode());
        double latencyMs = Math.round(latencyNanos / 1_000.0) / 1_000.0;
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            Struct source = new Struct(SOURCE)
                    .put("topic", record.topic())
                    .put("partition", record.kafkaPartition())
                    .put("offset", record.kafkaOffset())
                    .put("timestamp", record.timestamp());
            Struct value = new Struct(VALUE)
                    .put("outcome", outcome(result))
                    .put("request", req)
                    .put("response", resp)
                    .put("latency_ms", latencyMs)
                    .put("source", source);
            out.add(new ProducerRecord<>(settings.topic(), null, null, key(record),
                    values.fromConnectData(settings.topic(), VALUE, value), headers(record)));
        }
        return out;
    }

    private static Struct response(CoapAnswer answer, String code) {
        if (code == null) {
            return null; // a NON request: no answer
        }
        Struct resp = new Struct(RESPONSE).put("code", code);
        if (answer == null) {
            return resp.put("name", code);
        }
        resp.put("name", answer.codeName())
                .put("content_format", answer.contentFormat() < 0 ? null : answer.contentFormat())
                .put("etags", answer.etags().isEmpty() ? null : answer.etags())
                .put("location_path", answer.locationPath().isEmpty() ? null : answer.locationPath())
                .put("location_query", answer.locationQuery().isEmpty() ? null : answer.locationQuery())
                .put("max_age", answer.maxAge() < 0 ? null : answer.maxAge());
        byte[] body = answer.payload();
        if (body.length > 0) {
            String text = text(body, answer.contentFormat());
            resp.put("payload", text != null ? text : Base64.getEncoder().encodeToString(body));
            resp.put("payload_encoding", text != null ? "text" : "base64");
        }
        return resp;
    }

    /** The body as text when its Content-Format is a text one (or absent) and it is valid UTF-8; else null. */
    private static String text(byte[] body, int contentFormat) {
        if (contentFormat >= 0 && !TEXT_FORMATS.contains(contentFormat)) {
            return null;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private byte[] key(SinkRecord record) {
        return bytes(keys, record.key(), record.keySchema());
    }

    private RecordHeaders headers(SinkRecord record) {
        RecordHeaders out = new RecordHeaders();
        if (settings.copyHeaders().isEmpty()) {
            return out;
        }
        boolean all = settings.copyAllHeaders();
        for (Header header : record.headers()) {
            if (all || settings.copyHeaders().contains(header.key())) {
                out.add(header.key(), bytes(keys, header.value(), header.schema()));
            }
        }
        return out;
    }

    /** Strings as UTF-8, bytes unchanged, anything else as JSON. */
    private static byte[] bytes(JsonConverter json, Object value, Schema schema) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] b) {
            return b;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] b = new byte[buffer.remaining()];
            buffer.duplicate().get(b);
            return b;
        }
        return json.fromConnectData("", schema, value);
    }
}
