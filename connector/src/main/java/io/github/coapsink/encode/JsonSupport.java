package io.github.coapsink.encode;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;

/**
 * The one shared Jackson configuration of the encoder (an {@link ObjectMapper} is thread-safe once
 * configured), plus the JSON text helpers and the CBOR generator.
 */
final class JsonSupport {

    static final JsonSupport INSTANCE = new JsonSupport();

    /** Thrown by {@link #copyDocument} when the text is not exactly one JSON document. */
    static final class NotJson extends Exception {
        private static final long serialVersionUID = 1L;

        NotJson(String reason) {
            super(reason, null, false, false);
        }
    }

    private final ObjectMapper mapper;
    /** Parses JSON text to trees keeping numbers exact ({@code 1.10} stays {@code 1.10}). */
    private final ObjectReader textReader;
    /** Reads back token buffers written by {@link ValueWriter}: floats stay float/double. */
    private final ObjectReader bufferReader;
    /** Parses JSON text for CBOR, where a fraction is a float64, as a JSON reader would take it. */
    private final ObjectReader doublesReader;
    private final CBORMapper cbor;

    private JsonSupport() {
        mapper = JsonMapper.builder()
                // Decimal values and exact JSON numbers are written plainly: 0.00000001, not 1E-8.
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                // Characters outside the BMP (emoji) as 4-byte UTF-8, not as escaped surrogate pairs.
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .build();
        textReader = mapper.reader()
                .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        bufferReader = mapper.reader();
        doublesReader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        cbor = CBORMapper.builder()
                // A double that a float32 holds exactly (4830.0) is written in 5 bytes instead of 9.
                .enable(CBORGenerator.Feature.WRITE_MINIMAL_DOUBLES)
                .build();
    }

    /** A recycler from Jackson's pool; release it with {@code releaseToPool()}. */
    BufferRecycler bufferRecycler() {
        return mapper.getFactory()._getBufferRecycler();
    }

    JsonGenerator generator(ByteArrayBuilder out) throws IOException {
        return mapper.createGenerator(out);
    }

    CBORGenerator cborGenerator(ByteArrayBuilder out) throws IOException {
        return (CBORGenerator) cbor.createGenerator(out);
    }

    JsonParser cborParser(byte[] bytes) throws IOException {
        return cbor.createParser(bytes);
    }

    /** Like {@link #readTree(String)}, but fractions are doubles (for CBOR). */
    JsonNode readTreeDoubles(String text) throws IOException {
        return doublesReader.readTree(text);
    }

    JsonNode readTreeDoubles(byte[] bytes, int offset, int length) throws IOException {
        return doublesReader.readTree(bytes, offset, length);
    }

    JsonParser parser(String text) throws IOException {
        return mapper.createParser(text);
    }

    JsonParser parser(byte[] bytes, int offset, int length) throws IOException {
        return mapper.createParser(bytes, offset, length);
    }

    /** The tree of exactly one JSON document; a blank text gives a MissingNode. */
    JsonNode readTree(String text) throws IOException {
        return textReader.readTree(text);
    }

    /** The tree of exactly one JSON document in UTF-8; blank input gives a MissingNode. */
    JsonNode readTree(byte[] bytes, int offset, int length) throws IOException {
        return textReader.readTree(bytes, offset, length);
    }

    TokenBuffer tokenBuffer() {
        return new TokenBuffer(mapper, false);
    }

    JsonNode treeOf(TokenBuffer buffer) throws IOException {
        try (JsonParser p = buffer.asParser(mapper)) {
            return bufferReader.readTree(p);
        }
    }

    /**
     * Copies exactly one JSON document from {@code p} to {@code g}, compacting whitespace and
     * keeping every number's text as it was (no float rounding). Structure errors come from the
     * parser as {@link com.fasterxml.jackson.core.JsonProcessingException}s.
     */
    static void copyDocument(JsonParser p, JsonGenerator g) throws IOException, NotJson {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new NotJson("it is empty or blank");
        }
        int depth = 0;
        while (true) {
            switch (t) {
                case START_OBJECT -> {
                    g.writeStartObject();
                    depth++;
                }
                case START_ARRAY -> {
                    g.writeStartArray();
                    depth++;
                }
                case END_OBJECT -> {
                    g.writeEndObject();
                    depth--;
                }
                case END_ARRAY -> {
                    g.writeEndArray();
                    depth--;
                }
                case FIELD_NAME -> g.writeFieldName(p.currentName());
                case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> throw new NotJson("unexpected token " + t);
            }
            if (depth == 0) {
                break;
            }
            t = p.nextToken();
            if (t == null) {
                throw new NotJson("it ends inside an object or array");
            }
        }
        if (p.nextToken() != null) {
            throw new NotJson("there is more after the first JSON document (at line "
                    + p.currentTokenLocation().getLineNr() + ", column "
                    + p.currentTokenLocation().getColumnNr() + ")");
        }
    }
}
