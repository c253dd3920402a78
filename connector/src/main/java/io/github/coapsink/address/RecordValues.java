package io.github.coapsink.address;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Reads placeholder values from one record, for one {@link ResourceTemplate#resolve} call. A key or
 * value holding JSON text is read at most once, and only when a field placeholder needs it; the
 * read takes only the fields the template names ({@link JsonFields}).
 *
 * <p>Each {@code append} method appends the placeholder's text and returns null, or appends
 * nothing and returns the reason it cannot: the hot path allocates no outcome object.
 */
final class RecordValues {

    private static final String SCALAR = "a placeholder needs a scalar (string, number, boolean)";

    /** Longest plain-notation number built before the 255-byte check rejects it; bounds the work. */
    private static final int MAX_PLAIN_DIGITS = 1024;

    private final SinkRecord record;
    private final JsonFields keyFields;
    private final JsonFields valueFields;
    private JsonFields.Document keyJson;
    private JsonFields.Document valueJson;

    RecordValues(SinkRecord record, JsonFields keyFields, JsonFields valueFields) {
        this.record = record;
        this.keyFields = keyFields;
        this.valueFields = valueFields;
    }

    String append(Placeholder p, StringBuilder sb) {
        return switch (p.kind()) {
            case TOPIC -> {
                sb.append(record.topic());
                yield null;
            }
            case PARTITION -> {
                Integer partition = record.kafkaPartition();
                if (partition == null) {
                    yield p.written() + ": the record has no partition";
                }
                sb.append(partition.intValue());
                yield null;
            }
            case OFFSET -> {
                sb.append(record.kafkaOffset());
                yield null;
            }
            case TIMESTAMP -> {
                Long timestamp = record.timestamp();
                if (timestamp == null) {
                    yield p.written() + ": the record has no timestamp";
                }
                sb.append(timestamp.longValue());
                yield null;
            }
            case KEY -> key(p, sb);
            case HEADER -> header(p, sb);
            case KEY_FIELD -> field(p, "key", record.key(), sb);
            case VALUE_FIELD -> field(p, "value", record.value(), sb);
        };
    }

    private String key(Placeholder p, StringBuilder sb) {
        Object key = record.key();
        if (key == null) {
            return p.written() + " needs the record key, but it is null";
        }
        if (key instanceof Struct || key instanceof Map) {
            return p.written() + " needs a primitive key, but the key is " + kindOf(key)
                    + "; name one of its fields: {{key.<field>}}";
        }
        if (key instanceof byte[] || key instanceof ByteBuffer) {
            return utf8(p, key, "the key", sb);
        }
        return scalar(p, key, sb);
    }

    private String header(Placeholder p, StringBuilder sb) {
        Header header = record.headers().lastWithName(p.header());
        if (header == null) {
            return p.written() + ": the record has no header '" + p.header() + "'";
        }
        Object value = header.value();
        if (value == null) {
            return p.written() + ": the last header '" + p.header() + "' is null";
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return utf8(p, value, "the header '" + p.header() + "'", sb);
        }
        return scalar(p, value, sb);
    }

    private static String utf8(Placeholder p, Object bytes, String what, StringBuilder sb) {
        ByteBuffer buffer = bytes instanceof byte[] b ? ByteBuffer.wrap(b) : ((ByteBuffer) bytes).duplicate();
        try {
            sb.append(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(buffer));
            return null;
        } catch (CharacterCodingException e) {
            return p.written() + ": " + what + " is bytes that are not UTF-8 text";
        }
    }

    /** A {@code {{key.<path>}}} or {@code {{value.<path>}}}: walks Structs, Maps, or the JSON tree of a text. */
    private String field(Placeholder p, String side, Object root, StringBuilder sb) {
        if (root == null) {
            return p.written() + " needs the record " + side + ", but it is null";
        }
        if (root instanceof String || root instanceof byte[] || root instanceof ByteBuffer) {
            JsonFields fields = side.equals("key") ? keyFields : valueFields;
            return jsonField(p, side, json(side, root), fields.root(), sb);
        }
        List<String> path = p.path();
        Object current = root;
        for (int i = 0; i < path.size(); i++) {
            String name = path.get(i);
            if (current instanceof Struct struct) {
                Field field = struct.schema().field(name);
                if (field == null) {
                    return missing(p, i + 1);
                }
                current = struct.get(field);
            } else if (current instanceof Map<?, ?> map) {
                Object next = lookup(map, name);
                if (next == null && !containsKey(map, name)) {
                    return missing(p, i + 1);
                }
                current = next;
            } else if (i == 0) {
                return p.written() + ": the " + side + " is " + kindOf(current)
                        + ", not a struct, a map or JSON text, so it has no field '" + name + "'";
            } else {
                return p.written() + ": field '" + p.fieldPrefix(i) + "' is " + kindOf(current)
                        + ", not a struct or map, so it has no field '" + name + "'";
            }
            if (current == null) {
                return nullField(p, i + 1);
            }
        }
        return scalar(p, current, sb);
    }

    private static Object lookup(Map<?, ?> map, String name) {
        try {
            return map.get(name);
        } catch (ClassCastException | NullPointerException e) {
            return null; // a map whose keys are not strings has no field of that name
        }
    }

    private static boolean containsKey(Map<?, ?> map, String name) {
        try {
            return map.containsKey(name);
        } catch (ClassCastException | NullPointerException e) {
            return false;
        }
    }

    /** The JSON fields of the key or value text, read once per record. */
    private JsonFields.Document json(String side, Object text) {
        boolean key = side.equals("key");
        JsonFields.Document doc = key ? keyJson : valueJson;
        if (doc == null) {
            String what = "the " + side + " is " + (text instanceof String ? "a string" : "bytes");
            doc = (key ? keyFields : valueFields).read(text, what);
            if (key) {
                keyJson = doc;
            } else {
                valueJson = doc;
            }
        }
        return doc;
    }

    private static String jsonField(Placeholder p, String side, JsonFields.Document doc, JsonFields.Node root,
            StringBuilder sb) {
        if (doc.problem != null) {
            return p.written() + ": " + doc.problem + "; a field placeholder needs a struct, a map or a JSON object";
        }
        JsonFields.Node node = root;
        List<String> path = p.path();
        for (int i = 0; i < path.size(); i++) {
            String name = path.get(i);
            JsonFields.Kind kind = doc.kind(node);
            if (kind != JsonFields.Kind.OBJECT) {
                return i == 0
                        ? p.written() + ": the " + side + " is JSON, but " + jsonKind(kind)
                                + ", not an object, so it has no field '" + name + "'"
                        : p.written() + ": field '" + p.fieldPrefix(i) + "' is " + jsonKind(kind)
                                + ", not an object, so it has no field '" + name + "'";
            }
            node = node.children.get(name);
            JsonFields.Kind next = doc.kind(node);
            if (next == JsonFields.Kind.ABSENT) {
                return missing(p, i + 1);
            }
            if (next == JsonFields.Kind.NULL) {
                return nullField(p, i + 1);
            }
        }
        return switch (doc.kind(node)) {
            case STRING, NUMBER, BOOLEAN -> {
                sb.append(doc.text(node));
                yield null;
            }
            case HUGE_NUMBER -> p.written() + " is a number longer than a CoAP option can hold";
            default -> p.written() + " is " + jsonKind(doc.kind(node)) + "; " + SCALAR;
        };
    }

    /** Plain notation of {@code d}, or null when it would have more than {@value #MAX_PLAIN_DIGITS} digits. */
    static String plain(BigDecimal d) {
        long digits = d.precision() + Math.abs((long) d.scale());
        return digits > MAX_PLAIN_DIGITS ? null : d.toPlainString();
    }

    private static String scalar(Placeholder p, Object value, StringBuilder sb) {
        if (value instanceof String s) {
            sb.append(s);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            sb.append(((Number) value).intValue());
        } else if (value instanceof Long l) {
            sb.append(l.longValue());
        } else if (value instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (value instanceof Double d) {
            return decimal(p, d, NumberOutput.toString(d.doubleValue(), true), sb);
        } else if (value instanceof Float f) {
            return decimal(p, f, NumberOutput.toString(f.floatValue(), true), sb);
        } else if (value instanceof BigDecimal d) {
            String plain = plain(d);
            if (plain == null) {
                return p.written() + " is a number longer than a CoAP option can hold";
            }
            sb.append(plain);
        } else if (value instanceof BigInteger i) {
            sb.append(i);
        } else if (value instanceof Character c) {
            sb.append(c.charValue());
        } else if (value instanceof Date d) {
            sb.append(d.getTime());
        } else if (value instanceof byte[] || value instanceof ByteBuffer) {
            return p.written() + " is bytes; " + SCALAR + ", and bytes have no single text form";
        } else {
            return p.written() + " is " + kindOf(value) + "; " + SCALAR;
        }
        return null;
    }

    /**
     * The shortest digits that round-trip (Schubfach, as Jackson writes them and as Double.toString
     * does from JDK 19 on; JDK 17's is sometimes longer, and an address must not change with the
     * JDK), without an exponent, always with a decimal point: 7.0, 0.0001.
     */
    private static String decimal(Placeholder p, double value, String shortest, StringBuilder sb) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return p.written() + " is " + shortest + "; a placeholder needs a finite number";
        }
        if (shortest.indexOf('E') < 0) {
            sb.append(shortest);
            return null;
        }
        String plain = new BigDecimal(shortest).stripTrailingZeros().toPlainString();
        sb.append(plain);
        if (plain.indexOf('.') < 0) {
            sb.append(".0");
        }
        return null;
    }

    private static String missing(Placeholder p, int depth) {
        return p.written() + ": field '" + p.fieldPrefix(depth) + "' is missing";
    }

    private static String nullField(Placeholder p, int depth) {
        return depth == p.path().size()
                ? p.written() + ": field '" + p.fieldPrefix(depth) + "' is null"
                : p.written() + ": field '" + p.fieldPrefix(depth) + "' is null, so it has no field '"
                        + p.path().get(depth) + "'";
    }

    private static String kindOf(Object value) {
        if (value instanceof Struct) {
            return "a struct";
        }
        if (value instanceof Map) {
            return "a map";
        }
        if (value instanceof List) {
            return "a list";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return "bytes";
        }
        return "a " + value.getClass().getName();
    }

    private static String jsonKind(JsonFields.Kind kind) {
        return switch (kind) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER, HUGE_NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ABSENT -> "missing";
        };
    }
}
