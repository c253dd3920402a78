package io.github.coapsink.address;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The field paths a template reads from JSON text (a key or a value), as a tree built once, and a
 * one-pass reader that takes only those fields from a document: no tree of the whole document is
 * built, subtrees nobody asked for are skipped. A field that occurs twice counts as its last
 * occurrence, as in a JSON tree.
 */
final class JsonFields {

    enum Kind { ABSENT, OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL, HUGE_NUMBER }

    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    private static final int PROBLEM_CHARS = 120;

    /** One field name on some path; {@code id} indexes the per-document results. */
    static final class Node {
        final int id;
        final Map<String, Node> children = new HashMap<>();

        Node(int id) {
            this.id = id;
        }
    }

    private final Node root = new Node(0);
    private int nodes = 1;

    /** The tree of the field paths of {@code placeholders}, or null when there are none. */
    static JsonFields of(List<Placeholder> placeholders) {
        if (placeholders.isEmpty()) {
            return null;
        }
        JsonFields fields = new JsonFields();
        for (Placeholder p : placeholders) {
            Node node = fields.root;
            for (String name : p.path()) {
                node = node.children.computeIfAbsent(name, n -> new Node(fields.nodes++));
            }
        }
        return fields;
    }

    Node root() {
        return root;
    }

    /** What one document holds at each node: its JSON kind and, for a scalar, its text. */
    static final class Document {
        final Kind[] kinds;
        final String[] texts;
        /** Why the text is not one JSON document; null when it is. */
        String problem;

        Document(int nodes) {
            kinds = new Kind[nodes];
            texts = new String[nodes];
        }

        Kind kind(Node node) {
            Kind k = kinds[node.id];
            return k == null ? Kind.ABSENT : k;
        }

        String text(Node node) {
            return texts[node.id];
        }
    }

    /** Reads {@code json} (a String, byte[] or ByteBuffer of UTF-8); {@code what} is "the value is a string" etc. */
    Document read(Object json, String what) {
        Document doc = new Document(nodes);
        try (JsonParser p = parser(json)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                doc.problem = what + " that is empty or blank, not JSON";
                return doc;
            }
            take(p, t, root, doc);
            if (p.nextToken() != null) {
                doc.problem = what + " that is not JSON (there is more text after the first JSON document)";
            }
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            if (why.length() > PROBLEM_CHARS) {
                why = why.substring(0, PROBLEM_CHARS) + "…";
            }
            doc.problem = what + " that is not JSON (" + why.replace('\n', ' ') + ")";
        } catch (IOException e) {
            doc.problem = what + " that cannot be read as JSON (" + e.getMessage() + ")";
        }
        return doc;
    }

    private static JsonParser parser(Object json) throws IOException {
        if (json instanceof String s) {
            return FACTORY.createParser(s);
        }
        if (json instanceof byte[] b) {
            return FACTORY.createParser(b);
        }
        ByteBuffer buffer = ((ByteBuffer) json).duplicate();
        if (buffer.hasArray()) {
            return FACTORY.createParser(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.get(copy);
        return FACTORY.createParser(copy);
    }

    /** Records the value starting at token {@code t} for {@code node}, descending only where paths go. */
    private static void take(JsonParser p, JsonToken t, Node node, Document doc) throws IOException {
        clear(node, doc);
        switch (t) {
            case START_OBJECT -> {
                doc.kinds[node.id] = Kind.OBJECT;
                if (node.children.isEmpty()) {
                    p.skipChildren();
                    return;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    Node child = node.children.get(p.currentName());
                    JsonToken value = p.nextToken();
                    if (child == null) {
                        p.skipChildren();
                    } else {
                        take(p, value, child, doc);
                    }
                }
            }
            case START_ARRAY -> {
                doc.kinds[node.id] = Kind.ARRAY;
                p.skipChildren();
            }
            case VALUE_STRING -> {
                doc.kinds[node.id] = Kind.STRING;
                doc.texts[node.id] = p.getText();
            }
            case VALUE_NUMBER_INT -> {
                doc.kinds[node.id] = Kind.NUMBER;
                doc.texts[node.id] = p.getText();
            }
            case VALUE_NUMBER_FLOAT -> {
                String text = p.getText();
                if (text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
                    text = RecordValues.plain(new BigDecimal(text));
                }
                doc.kinds[node.id] = text == null ? Kind.HUGE_NUMBER : Kind.NUMBER;
                doc.texts[node.id] = text;
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                doc.kinds[node.id] = Kind.BOOLEAN;
                doc.texts[node.id] = t == JsonToken.VALUE_TRUE ? "true" : "false";
            }
            case VALUE_NULL -> doc.kinds[node.id] = Kind.NULL;
            default -> throw new JsonParseFailure("unexpected token " + t, p);
        }
    }

    /** A repeated field replaces what its earlier occurrence left below it. */
    private static void clear(Node node, Document doc) {
        if (doc.kinds[node.id] == null) {
            return;
        }
        doc.kinds[node.id] = null;
        doc.texts[node.id] = null;
        for (Node child : node.children.values()) {
            clear(child, doc);
        }
    }

    private static final class JsonParseFailure extends JsonProcessingException {
        private static final long serialVersionUID = 1L;

        JsonParseFailure(String message, JsonParser p) {
            super(message, p.currentLocation());
        }
    }
}
