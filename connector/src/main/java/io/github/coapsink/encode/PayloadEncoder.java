package io.github.coapsink.encode;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import com.fasterxml.jackson.dataformat.cbor.CBORReadContext;
import io.github.coapsink.kcql.Route;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;

/**
 * The request body of a record in its route's {@link PayloadFormat}, and of several records in one
 * request (a JSON or CBOR array, one SenML pack). Thread-safe.
 */
public final class PayloadEncoder {

    /**
     * @param baseName the SenML {@code bn}: empty means the route's resource followed by '/'; an empty
     *     string leaves {@code bn} out
     * @param units SenML name (the field path, {@link #SENML_SEPARATOR}-joined) to its unit {@code u}
     */
    public record SenmlSettings(Optional<String> baseName, Map<String, String> units) {
        public SenmlSettings {
            Objects.requireNonNull(baseName, "baseName");
            units = Map.copyOf(units);
        }

        public static SenmlSettings defaults() {
            return new SenmlSettings(Optional.empty(), Map.of());
        }
    }

    /** How nested field names join into one SenML name. */
    public static final String SENML_SEPARATOR = SenmlEncoder.SEPARATOR;

    private final PayloadFormat defaultFormat;
    private final int bytesContentFormat;
    private final Optional<String> baseName;
    private final RecordEncoder json;
    private final RecordEncoder cbor;
    private final SenmlEncoder senmlJson;
    private final SenmlEncoder senmlCbor;
    private final JsonSupport support = JsonSupport.INSTANCE;

    public PayloadEncoder(PlainStringPolicy plainStrings, PayloadFormat defaultFormat, int bytesContentFormat,
            SenmlSettings senml) {
        this(new RecordEncoder(plainStrings), plainStrings, defaultFormat, bytesContentFormat, senml);
    }

    private PayloadEncoder(RecordEncoder json, PlainStringPolicy plainStrings, PayloadFormat defaultFormat,
            int bytesContentFormat, SenmlSettings senml) {
        this.defaultFormat = Objects.requireNonNull(defaultFormat, "defaultFormat");
        this.bytesContentFormat = bytesContentFormat;
        this.baseName = senml.baseName();
        this.json = json;
        this.cbor = RecordEncoder.cbor(plainStrings);
        this.senmlJson = new SenmlEncoder(false, senml.units());
        this.senmlCbor = new SenmlEncoder(true, senml.units());
    }

    /** Every route JSON, through this JSON encoder (the sink before payload formats). */
    public static PayloadEncoder json(RecordEncoder json, PlainStringPolicy plainStrings) {
        return new PayloadEncoder(json, plainStrings, PayloadFormat.JSON, PayloadFormat.BYTES.contentFormat(),
                SenmlSettings.defaults());
    }

    /**
     * Why a SenML base name cannot start names RFC 8428 section 4.5.1 allows (only A-Z a-z 0-9 - : . / _, first
     * a letter or digit), or empty when it can; an empty base name is fine.
     */
    public static Optional<String> baseNameProblem(String baseName) {
        return SenmlEncoder.baseNameProblem(baseName);
    }

    /** The base name a route's packs get when {@code connect.coap.senml.base.name} is not set. */
    public static String defaultBaseName(Route route) {
        return route.resource() + "/";
    }

    /** The route's STOREAS, else the connector's format. */
    public PayloadFormat formatOf(Route route) {
        return route.storeAs().orElse(defaultFormat);
    }

    /** The Content-Format option a body of this format carries. */
    public int contentFormat(PayloadFormat format) {
        return format == PayloadFormat.BYTES ? bytesContentFormat : format.contentFormat();
    }

    /** The SenML base name of a route's packs, null when there is none. */
    String baseName(Route route) {
        String bn = baseName.orElse(defaultBaseName(route));
        return bn.isEmpty() ? null : bn;
    }

    /**
     * The SenML base name of one record's pack: the configured one, else the record's resolved resource path
     * followed by '/'; a resolved path RFC 8428 does not allow in a name (e.g. a key with a space) makes the record
     * a bad record.
     */
    String baseName(String resolvedPath) {
        if (baseName.isPresent()) {
            return baseName.get().isEmpty() ? null : baseName.get();
        }
        String bn = resolvedPath + "/";
        baseNameProblem(bn).ifPresent(problem -> {
            throw new EncodingException("the SenML base name '" + bn + "' (the record's resource and '/') " + problem
                    + "; set connect.coap.senml.base.name (empty for none)");
        });
        return bn;
    }

    /**
     * The body of one record sent to {@code resolvedPath} (its resource, segments joined by '/', for the SenML
     * base name).
     */
    public byte[] encode(PayloadFormat format, Schema valueSchema, Object value, Long timestampMillis, Route route,
            String resolvedPath) {
        return switch (format) {
            case SENML_JSON -> senmlJson.encode(valueSchema, value, route.projection(), baseName(resolvedPath),
                    timestampMillis);
            case SENML_CBOR -> senmlCbor.encode(valueSchema, value, route.projection(), baseName(resolvedPath),
                    timestampMillis);
            default -> encode(format, valueSchema, value, timestampMillis, route);
        };
    }

    /**
     * The body of one record.
     *
     * @param timestampMillis the record's timestamp (SenML's {@code bt}); null when it has none
     * @throws EncodingException when the value does not fit the format; retrying will not help
     */
    public byte[] encode(PayloadFormat format, Schema valueSchema, Object value, Long timestampMillis, Route route) {
        return switch (format) {
            case JSON -> json.encode(valueSchema, value, route.projection());
            case CBOR -> cbor.encode(valueSchema, value, route.projection());
            case SENML_JSON -> senmlJson.encode(valueSchema, value, route.projection(), baseName(route), timestampMillis);
            case SENML_CBOR -> senmlCbor.encode(valueSchema, value, route.projection(), baseName(route), timestampMillis);
            case BYTES -> bytes(valueSchema, value);
            case TEXT -> text(valueSchema, value);
        };
    }

    private static byte[] bytes(Schema schema, Object value) {
        boolean bytesSchema = schema == null
                || (schema.type() == Schema.Type.BYTES && !Decimal.LOGICAL_NAME.equals(schema.name()));
        if (bytesSchema && value instanceof byte[] b) {
            return b;
        }
        if (bytesSchema && value instanceof ByteBuffer bb) {
            return ValueWriter.copy(bb);
        }
        throw new EncodingException("the route's payload format is BYTES, which sends a byte[] value unchanged "
                + "(value.converter=org.apache.kafka.connect.converters.ByteArrayConverter), but the value is "
                + describe(schema, value) + "; use STOREAS JSON or CBOR for structured values");
    }

    private static byte[] text(Schema schema, Object value) {
        boolean stringSchema = schema == null || schema.type() == Schema.Type.STRING;
        if (stringSchema && value instanceof String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        throw new EncodingException("the route's payload format is TEXT, which sends a string value as UTF-8 "
                + "(value.converter=org.apache.kafka.connect.storage.StringConverter), but the value is "
                + describe(schema, value) + "; use STOREAS BYTES for binary values or JSON/CBOR for structured ones");
    }

    private static String describe(Schema schema, Object value) {
        String type = Texts.typeOf(value);
        if (schema == null) {
            return "a " + type;
        }
        return "a " + type + " with a " + (schema.name() != null ? schema.name() : schema.type().toString()) + " schema";
    }

    /**
     * One body for several records of a route: JSON {@code [p1,p2]}, a CBOR array of the items, one SenML
     * pack holding every record's SenML records (each record's first one with its own {@code bt}).
     *
     * @throws IllegalArgumentException for BYTES and TEXT, which have no way to hold several records
     */
    public byte[] combine(PayloadFormat format, List<byte[]> payloads) {
        try {
            return switch (format) {
                case JSON -> jsonArray(payloads, 0);
                case SENML_JSON -> jsonArray(payloads, 1);
                case CBOR -> cborArray(payloads, false);
                case SENML_CBOR -> cborArray(payloads, true);
                case BYTES, TEXT -> throw new IllegalArgumentException(format + " bodies cannot be combined");
            };
        } catch (IOException e) {
            throw new IllegalStateException("cannot combine CBOR payloads the sink wrote itself", e);
        }
    }

    /** {@code [p1,p2,...]}; with {@code unwrap} 1 each payload is a JSON array whose brackets are dropped. */
    private static byte[] jsonArray(List<byte[]> payloads, int unwrap) {
        int size = 1 + payloads.size();
        for (byte[] p : payloads) {
            size += p.length - 2 * unwrap;
        }
        byte[] body = new byte[size];
        int at = 0;
        body[at++] = '[';
        for (int i = 0; i < payloads.size(); i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            byte[] p = payloads.get(i);
            int length = p.length - 2 * unwrap;
            System.arraycopy(p, unwrap, body, at, length);
            at += length;
        }
        body[at++] = ']';
        return at == size ? body : java.util.Arrays.copyOf(body, at);
    }

    /**
     * A definite-length CBOR array of the payloads (each one data item); with {@code unwrap} each payload
     * is itself an array (a SenML pack) whose elements are taken instead. Jackson writes the header; the
     * items are already CBOR and are copied as they are.
     */
    private byte[] cborArray(List<byte[]> payloads, boolean unwrap) throws IOException {
        int count = 0;
        int[] skip = new int[payloads.size()];
        for (int i = 0; i < payloads.size(); i++) {
            if (unwrap) {
                long[] header = arrayHeader(payloads.get(i));
                skip[i] = (int) header[0];
                count += (int) header[1];
            } else {
                count++;
            }
        }
        try (ByteArrayBuilder out = new ByteArrayBuilder()) {
            try (CBORGenerator g = support.cborGenerator(out)) {
                // The items go in as bytes, uncounted by the generator: closing must not check the array's size.
                g.disable(StreamWriteFeature.AUTO_CLOSE_CONTENT.mappedFeature());
                g.writeStartArray(null, count);
                for (int i = 0; i < payloads.size(); i++) {
                    byte[] p = payloads.get(i);
                    g.writeBytes(p, skip[i], p.length - skip[i]);
                }
            }
            return out.toByteArray();
        }
    }

    /** The header length and element count of the definite-length CBOR array {@code pack} starts with. */
    private static long[] arrayHeader(byte[] pack) throws IOException {
        try (CBORParser p = (CBORParser) JsonSupport.INSTANCE.cborParser(pack)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("not a CBOR array");
            }
            CBORReadContext context = p.getParsingContext();
            return new long[] {p.currentLocation().getByteOffset(), context.getExpectedLength()};
        }
    }
}
