package io.github.coapsink.encode;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.coapsink.kcql.Projection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns a record value into the JSON payload (CoAP Content-Format 50) sent to the server, shaped
 * by the route's {@link Projection}; {@link #cbor} makes the CBOR payload (Content-Format 60) from
 * the same walk over the value.
 *
 * <p>Three kinds of values arrive:
 * <ol>
 *   <li>a Connect {@link Struct} with its schema (Avro, JsonConverter with schemas): written
 *       field by field in schema order;</li>
 *   <li>JSON text: a {@code STRING} schema (or a schemaless {@link String}), and at top level also
 *       {@code byte[]}/{@link ByteBuffer} with a {@code BYTES} schema or none (read as UTF-8). It
 *       must be exactly one JSON document; otherwise the {@link PlainStringPolicy} decides;</li>
 *   <li>schemaless values: {@link java.util.Map}, {@link java.util.List}, primitives.</li>
 * </ol>
 * The projection (SELECT list, aliases, IGNORE) applies to all three when the value is an
 * object. {@code docs/payloads.md} has the full mapping.
 *
 * <p>Thread-safe; all instances share one Jackson configuration. Every failure is an
 * {@link EncodingException} whose message names the field and shows at most 64 characters of the
 * value.
 */
public final class RecordEncoder {

    private static final String WRAP_HINT =
            " (set connect.coap.plain.string.policy=WRAP to send it as a JSON string)";

    /** Writes a payload to a generator; text parsing may find the input is not JSON. */
    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException, JsonSupport.NotJson;
    }

    private final PlainStringPolicy plainStrings;
    private final boolean cbor;
    private final JsonSupport json = JsonSupport.INSTANCE;
    private final ValueWriter writer;
    private final Projector projector;

    /** The JSON encoder. */
    public RecordEncoder(PlainStringPolicy plainStrings) {
        this(plainStrings, false);
    }

    private RecordEncoder(PlainStringPolicy plainStrings, boolean cbor) {
        this.plainStrings = Objects.requireNonNull(plainStrings, "plainStrings");
        this.cbor = cbor;
        this.writer = cbor ? ValueWriter.CBOR : ValueWriter.INSTANCE;
        this.projector = new Projector(writer, json);
    }

    /** The CBOR encoder: the same values, projections and errors as JSON, written as CBOR (RFC 8949). */
    public static RecordEncoder cbor(PlainStringPolicy plainStrings) {
        return new RecordEncoder(plainStrings, true);
    }

    /**
     * The compact UTF-8 JSON payload for {@code value}.
     *
     * @param valueSchema the record's value schema; {@code null} for schemaless values (a
     *     {@link Struct} then uses its own schema)
     * @param value the record value; must not be null (tombstones are the caller's business)
     * @param projection what to keep; {@code null} is treated as {@link Projection#all()}
     * @throws EncodingException when the value cannot be encoded; retrying will not help
     */
    public byte[] encode(Schema valueSchema, Object value, Projection projection) {
        if (value == null) {
            throw new EncodingException("the record value is null (a tombstone): there is no payload to encode");
        }
        Projection p = projection == null ? Projection.all() : projection;
        Schema schema = valueSchema != null ? valueSchema : value instanceof Struct s ? s.schema() : null;
        try {
            // Hot path first: a Struct with SELECT *.
            if (p.isIdentity() && value instanceof Struct struct && (schema.type() == Schema.Type.STRUCT)) {
                return write(g -> writer.writeStruct(g, struct));
            }
            Text text = asText(schema, value);
            if (text != null) {
                return encodeText(text, p);
            }
            if (p.isIdentity()) {
                return write(g -> writer.write(g, schema, value));
            }
            if (!Projector.isObjectLike(schema, value)) {
                throw new EncodingException("the route's SELECT/IGNORE needs an object value (a Struct, a Map or "
                        + "a JSON object) but the value is " + describe(schema, value));
            }
            return write(g -> projector.writeProjected(g, new Projector.Item(schema, value), p));
        } catch (ValueError e) {
            throw new EncodingException(e.describe());
        } catch (JsonSupport.NotJson e) {
            throw new IllegalStateException("unreachable: JSON text is parsed in encodeText", e);
        } catch (IOException e) {
            throw new EncodingException("cannot write the value as " + (cbor ? "CBOR: " : "JSON: ") + reason(e));
        }
    }

    /** The JSON text in the value, or null when the value is not text. */
    private static Text asText(Schema schema, Object value) {
        if (schema == null) {
            if (value instanceof String s) {
                return new Text(s, null, 0, 0);
            }
            return bytesText(value);
        }
        if (schema.type() == Schema.Type.STRING) {
            if (value instanceof String s) {
                return new Text(s, null, 0, 0);
            }
            throw new EncodingException("the value schema is STRING but the value is a " + Texts.typeOf(value));
        }
        if (schema.type() == Schema.Type.BYTES && !Decimal.LOGICAL_NAME.equals(schema.name())) {
            Text t = bytesText(value);
            if (t == null) {
                throw new EncodingException("the value schema is BYTES but the value is a " + Texts.typeOf(value));
            }
            return t;
        }
        return null;
    }

    private static Text bytesText(Object value) {
        if (value instanceof byte[] b) {
            return new Text(null, b, 0, b.length);
        }
        if (value instanceof ByteBuffer bb) {
            if (bb.hasArray()) {
                return new Text(null, bb.array(), bb.arrayOffset() + bb.position(), bb.remaining());
            }
            byte[] b = ValueWriter.copy(bb);
            return new Text(null, b, 0, b.length);
        }
        return null;
    }

    private byte[] encodeText(Text text, Projection p) throws IOException, JsonSupport.NotJson {
        if (p.isIdentity() && !cbor) {
            try {
                return write(g -> {
                    try (JsonParser parser = text.parser(json)) {
                        JsonSupport.copyDocument(parser, g);
                    }
                });
            } catch (StreamConstraintsException e) {
                throw tooBig(text, e);
            } catch (JsonSupport.NotJson e) {
                return notJson(text, e.getMessage(), p);
            } catch (JsonProcessingException e) {
                return notJson(text, reason(e), p);
            }
        }
        JsonNode tree;
        try {
            tree = cbor ? text.treeOfDoubles(json) : text.tree(json);
        } catch (StreamConstraintsException e) {
            throw tooBig(text, e);
        } catch (JsonProcessingException e) {
            return notJson(text, reason(e), p);
        }
        if (tree == null || tree.isMissingNode()) {
            return notJson(text, "it is empty or blank", p);
        }
        if (p.isIdentity()) {
            return write(g -> writer.writeNode(g, tree));
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new EncodingException("the route's SELECT/IGNORE needs an object value but the value is "
                    + text.kind() + " holding a JSON " + tree.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        return write(g -> projector.writeProjected(g, new Projector.Item(null, object), p));
    }

    private byte[] notJson(Text text, String reason, Projection p) throws IOException, JsonSupport.NotJson {
        if (plainStrings == PlainStringPolicy.FAIL) {
            throw new EncodingException("value is " + text.kind() + " but not a JSON document: " + reason
                    + (text.isEmpty() ? "" : "; it starts with \"" + text.preview() + "\"") + WRAP_HINT);
        }
        String plain = text.asString();
        if (!p.isIdentity()) {
            throw new EncodingException("the route's SELECT/IGNORE needs an object value but the value is "
                    + text.kind() + " that is not a JSON document (plain text is sent as a JSON string); "
                    + "it starts with \"" + text.preview() + "\"");
        }
        return write(g -> g.writeString(plain));
    }

    private static EncodingException tooBig(Text text, StreamConstraintsException e) {
        return new EncodingException("value is " + text.kind() + " holding JSON beyond the parser's limits: "
                + reason(e));
    }

    private byte[] write(Body body) throws IOException, JsonSupport.NotJson {
        BufferRecycler recycler = json.bufferRecycler();
        try (ByteArrayBuilder out = new ByteArrayBuilder(recycler)) {
            try (JsonGenerator g = cbor ? json.cborGenerator(out) : json.generator(out)) {
                body.write(g);
            }
            return out.getClearAndRelease();
        } finally {
            recycler.releaseToPool();
        }
    }

    private static final String UNRECOGNIZED = "Unrecognized token '";
    private static final String EXPECTING = "': was expecting";

    /**
     * Jackson's message without the source excerpt, cut short, with the location when known. The
     * token Jackson quotes ("Unrecognized token 'xyz…'") may come from anywhere in the value, so it
     * is dropped: messages show only the start of the value, in the preview.
     */
    private static String reason(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.startsWith(UNRECOGNIZED)) {
            int end = message.lastIndexOf(EXPECTING);
            message = "unrecognized token" + (end < 0 ? "" : ", was expecting" + message.substring(end + EXPECTING.length()));
        }
        String cut = message == null ? e.getClass().getSimpleName() : Texts.cut(message, Texts.PREVIEW_CHARS);
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            cut += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return cut;
    }

    private static String reason(IOException e) {
        if (e instanceof JsonProcessingException jpe) {
            return reason(jpe);
        }
        return Texts.cut(String.valueOf(e.getMessage()), Texts.PREVIEW_CHARS);
    }

    private static String describe(Schema schema, Object value) {
        if (schema != null) {
            return schema.name() != null ? schema.type() + " (" + schema.name() + ")" : schema.type().toString();
        }
        if (value instanceof java.util.List || value instanceof java.util.Collection) {
            return "a list (" + Texts.typeOf(value) + ")";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return "a scalar (" + Texts.typeOf(value) + ")";
        }
        return "a " + Texts.typeOf(value);
    }

    /** JSON text held by a String, or by UTF-8 bytes (never both). */
    private record Text(String string, byte[] bytes, int offset, int length) {

        JsonParser parser(JsonSupport json) throws IOException {
            return string != null ? json.parser(string) : json.parser(bytes, offset, length);
        }

        JsonNode tree(JsonSupport json) throws IOException {
            return string != null ? json.readTree(string) : json.readTree(bytes, offset, length);
        }

        JsonNode treeOfDoubles(JsonSupport json) throws IOException {
            return string != null ? json.readTreeDoubles(string) : json.readTreeDoubles(bytes, offset, length);
        }

        boolean isEmpty() {
            return string != null ? string.isEmpty() : length == 0;
        }

        String kind() {
            return string != null ? "a string" : "bytes";
        }

        String preview() {
            if (string != null) {
                return Texts.preview(string, Texts.PREVIEW_CHARS);
            }
            int shown = Math.min(length, Texts.PREVIEW_CHARS * 4);
            String head = new String(bytes, offset, shown, StandardCharsets.UTF_8);
            boolean more = shown < length || head.length() > Texts.PREVIEW_CHARS;
            String p = Texts.preview(more && head.length() > Texts.PREVIEW_CHARS
                    ? head.substring(0, Texts.PREVIEW_CHARS) : head, Texts.PREVIEW_CHARS);
            return more ? p + "… (" + length + " bytes)" : p;
        }

        /** The text; bytes must be valid UTF-8. */
        String asString() {
            if (string != null) {
                return string;
            }
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, offset, length));
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw new EncodingException("value is bytes that are neither a JSON document nor UTF-8 text ("
                        + length + " bytes)");
            }
        }
    }
}
