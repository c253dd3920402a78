package io.github.coapsink.encode;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.github.coapsink.kcql.FieldPath;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.SelectedField;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Applies a non-identity {@link Projection} to an object-like value: a {@link Struct}, a
 * {@link Map} (with a MAP schema or none) or a parsed JSON {@link ObjectNode}.
 *
 * <p>Rules (also in {@code docs/payloads.md}):
 * <ul>
 *   <li>A path is read segment by segment through structs, maps and JSON objects.</li>
 *   <li>Where a struct schema is known, a segment the schema does not have is an
 *       {@link EncodingException} naming the field and the available ones, and so is a path that
 *       goes on through a field that is not a struct or map. A path through a null (optional)
 *       struct gives JSON null.</li>
 *   <li>Without a schema (maps, JSON objects) a missing key, or a path through null or a
 *       non-object, gives nothing: the output field is omitted.</li>
 *   <li>Two output fields with the same name are an {@link EncodingException}.</li>
 *   <li>IGNORE works on the result (output names, JSON shape) and is lenient: a path that is
 *       not there is skipped.</li>
 * </ul>
 */
final class Projector {

    /** A value with its schema ({@code null} when schemaless). */
    record Item(Schema schema, Object value) {
    }

    private final ValueWriter writer;
    private final JsonSupport json;

    Projector(ValueWriter writer, JsonSupport json) {
        this.writer = writer;
        this.json = json;
    }

    /** True when {@code value} (with {@code schema}, possibly null) can be projected. */
    static boolean isObjectLike(Schema schema, Object value) {
        if (value instanceof Struct) {
            return schema == null || schema.type() == Schema.Type.STRUCT;
        }
        if (value instanceof Map) {
            return schema == null || (schema.type() == Schema.Type.MAP && !ValueWriter.hasComplexKeys(schema));
        }
        return value instanceof ObjectNode && schema == null;
    }

    /** Projects {@code root} and writes the resulting JSON object. */
    void writeProjected(JsonGenerator g, Item root, Projection projection) throws IOException {
        LinkedHashMap<String, Item> out = project(root, projection);
        g.writeStartObject(out, out.size());
        for (Map.Entry<String, Item> e : out.entrySet()) {
            g.writeFieldName(e.getKey());
            try {
                writer.write(g, e.getValue().schema(), e.getValue().value());
            } catch (ValueError err) {
                throw err.atField(e.getKey());
            }
        }
        g.writeEndObject();
    }

    LinkedHashMap<String, Item> project(Item root, Projection projection) throws IOException {
        LinkedHashMap<String, Item> out = new LinkedHashMap<>();
        if (projection.selectAll()) {
            Map<String, List<String>> renames = new HashMap<>();
            List<SelectedField> added = new ArrayList<>();
            for (SelectedField f : projection.fields()) {
                if (f.path().isNested()) {
                    added.add(f);
                } else {
                    resolve(root, f.path()); // a struct field the schema lacks fails here
                    renames.computeIfAbsent(f.path().head(), k -> new ArrayList<>(1)).add(f.outputName());
                }
            }
            for (Map.Entry<String, Item> top : topLevel(root)) {
                List<String> names = renames.get(top.getKey());
                if (names == null) {
                    put(out, top.getKey(), top.getValue());
                } else {
                    for (String name : names) {
                        put(out, name, top.getValue());
                    }
                }
            }
            for (SelectedField f : added) {
                Item item = resolve(root, f.path());
                if (item != null) {
                    put(out, f.outputName(), item);
                }
            }
        } else {
            for (SelectedField f : projection.fields()) {
                Item item = resolve(root, f.path());
                if (item != null) {
                    put(out, f.outputName(), item);
                }
            }
        }
        for (FieldPath ignored : projection.ignored()) {
            ignore(out, ignored);
        }
        return out;
    }

    private static void put(LinkedHashMap<String, Item> out, String name, Item item) {
        if (out.putIfAbsent(name, item) != null) {
            throw new EncodingException("the projection gives two fields named '"
                    + Texts.preview(name, Texts.PREVIEW_CHARS)
                    + "' (an alias equal to another field's name?); JSON objects need unique names");
        }
    }

    /** The top-level fields of an object-like value, in order, under their JSON names. */
    List<Map.Entry<String, Item>> topLevel(Item root) {
        Object value = root.value();
        List<Map.Entry<String, Item>> result = new ArrayList<>();
        if (value instanceof Struct s) {
            for (Field f : s.schema().fields()) {
                result.add(Map.entry(f.name(), new Item(f.schema(), s.get(f))));
            }
        } else if (value instanceof Map<?, ?> m) {
            Schema schema = root.schema();
            Schema keySchema = schema == null ? null : schema.keySchema();
            Schema valueSchema = schema == null ? null : schema.valueSchema();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                result.add(Map.entry(ValueWriter.keyText(keySchema, e.getKey()),
                        new Item(valueSchema, e.getValue())));
            }
        } else if (value instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                result.add(Map.entry(e.getKey(), new Item(null, e.getValue())));
            }
        }
        return result;
    }

    /** The value at {@code path}, or {@code null} when it is absent from a schemaless value. */
    Item resolve(Item root, FieldPath path) {
        Item current = root;
        List<String> segments = path.segments();
        for (int i = 0; i < segments.size() && current != null; i++) {
            current = child(current, path, i);
        }
        return current;
    }

    private Item child(Item parent, FieldPath path, int index) {
        String name = path.segments().get(index);
        Object value = parent.value();
        Schema schema = value instanceof Struct s ? s.schema() : parent.schema();
        if (schema != null && schema.type() == Schema.Type.STRUCT) {
            Field field = schema.field(name);
            if (field == null) {
                throw new EncodingException("the projection names field '" + path + "' but "
                        + describeParent(path, index) + " has no field '" + name + "'; its fields are "
                        + fieldNames(schema));
            }
            if (value == null) {
                return new Item(field.schema(), null); // optional struct is null: so is its field
            }
            if (!(value instanceof Struct struct)) {
                throw new EncodingException("the projection names field '" + path + "' but "
                        + describeParent(path, index) + " is not a Struct (" + Texts.typeOf(value) + ")");
            }
            return new Item(field.schema(), struct.get(field));
        }
        if (value instanceof Map<?, ?> m) {
            boolean typed = schema != null && schema.type() == Schema.Type.MAP;
            Schema keySchema = typed ? schema.keySchema() : null;
            Object found = lookup(m, keySchema, name);
            return found == ABSENT ? null : new Item(typed ? schema.valueSchema() : null, found);
        }
        if (value instanceof JsonNode node) {
            JsonNode child = node.isObject() ? node.get(name) : null;
            return child == null ? null : new Item(null, child);
        }
        if (schema != null && value != null) {
            throw new EncodingException("the projection names field '" + path + "' but "
                    + describeParent(path, index) + " is " + schema.type() + ", not a struct or map");
        }
        return null; // schemaless: a path through null or a non-object finds nothing
    }

    private static final Object ABSENT = new Object();

    private static Object lookup(Map<?, ?> map, Schema keySchema, String name) {
        try {
            Object v = map.get(name);
            if (v != null || map.containsKey(name)) {
                return v;
            }
        } catch (ClassCastException | NullPointerException e) {
            // a sorted map of non-string keys: fall back to comparing the key texts
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object key = e.getKey();
            if (key instanceof String || key == null) {
                continue;
            }
            try {
                if (name.equals(ValueWriter.keyText(keySchema, key))) {
                    return e.getValue();
                }
            } catch (ValueError notAKey) {
                // keys that have no text cannot be selected
            }
        }
        return ABSENT;
    }

    private static String describeParent(FieldPath path, int index) {
        if (index == 0) {
            return "the record value";
        }
        return "'" + String.join(".", path.segments().subList(0, index)) + "'";
    }

    private static String fieldNames(Schema struct) {
        List<String> names = new ArrayList<>();
        for (Field f : struct.fields()) {
            names.add(f.name());
        }
        return names.toString();
    }

    /** Removes {@code path} from the result; nested paths edit a JSON copy of the top-level value. */
    private void ignore(LinkedHashMap<String, Item> out, FieldPath path) throws IOException {
        String head = path.head();
        if (!path.isNested()) {
            out.remove(head);
            return;
        }
        Item item = out.get(head);
        if (item == null) {
            return;
        }
        JsonNode tree = toTree(item, head);
        JsonNode parent = tree;
        List<String> segments = path.segments();
        for (int i = 1; i < segments.size() - 1 && parent != null; i++) {
            parent = parent.isObject() ? parent.get(segments.get(i)) : null;
        }
        if (parent instanceof ObjectNode o && o.remove(path.last()) != null) {
            out.put(head, new Item(null, tree));
        }
    }

    /** A private, mutable JSON tree of the item, exactly as it would be written. */
    private JsonNode toTree(Item item, String name) throws IOException {
        if (item.schema() == null && item.value() instanceof JsonNode node) {
            return node.deepCopy(); // the same node may sit under two output names
        }
        TokenBuffer buffer = json.tokenBuffer();
        try {
            writer.write(buffer, item.schema(), item.value());
        } catch (ValueError err) {
            throw err.atField(name);
        }
        return json.treeOf(buffer);
    }
}
