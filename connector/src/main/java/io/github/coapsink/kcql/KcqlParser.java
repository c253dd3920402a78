package io.github.coapsink.kcql;

import io.github.coapsink.address.ResourceTemplate;
import io.github.coapsink.address.TemplateException;
import io.github.coapsink.encode.PayloadFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses {@code connect.coap.kcql} into routes, once, at configuration time.
 *
 * <pre>
 * kcql       := statement ( ';' statement )* [ ';' ]
 * statement  := INSERT INTO resource SELECT selectList FROM topic clause*   (each clause at most once)
 * clause     := IGNORE fieldPath ( ',' fieldPath )* | STOREAS format
 * format     := JSON | CBOR | SENML_JSON | SENML_CBOR | BYTES | TEXT      (any case)
 * resource   := ['/'] segment ( '/' segment )*      segment chars: letters, digits, _ - . ~
 *             | `...` | "..." | '...'              a resource template (placeholders, '?' query), see
 *                                                  ResourceTemplate; leading '/' dropped
 * selectList := '*' ( ',' field )* | field ( ',' field )*
 * field      := fieldPath [ AS name ]
 * fieldPath  := name ( '.' name )*
 * name       := [A-Za-z_][A-Za-z0-9_-]* | `any text but a backtick`
 * topic      := [A-Za-z0-9._-]{1,249} | `the same chars`
 * </pre>
 *
 * Keywords are case-insensitive and reserved: a field or topic named like one needs backticks.
 * Every error is a {@link KcqlException} naming the 1-based position, what was found, what was
 * expected and how to fix it; those messages reach users through Connect's config validation.
 *
 * <p>This is a small hand-written parser on purpose, not the {@code com.datamountaineer:kcql}
 * library: that one targets Java 8, pulls in the ANTLR runtime, exposes a large mutable class and
 * accepts many clauses (WITHKEY, PK, WHERE...) this sink has no meaning for. Here those clauses
 * are rejected with a message instead of being silently ignored. {@code STOREAS} is KCQL's clause for
 * the stored format; here it names the route's {@link PayloadFormat}.
 */
public final class KcqlParser {

    /** Words that cannot be unquoted field names, aliases or topics. */
    private static final Set<String> RESERVED = Set.of("INSERT", "INTO", "SELECT", "FROM", "AS", "IGNORE");

    /** Clauses of the general KCQL language; named in the error so users know why they fail. */
    private static final Set<String> OLD_KCQL_CLAUSES = Set.of(
            "WITHKEY", "PK", "WHERE", "LIMIT", "WITHFORMAT", "WITHTYPE", "WITHCONVERTER",
            "WITHTARGET", "WITHPARTITIONER", "WITHSUBSCRIPTION", "WITHJMSSELECTOR", "WITHTAG",
            "WITHDOCTYPE", "WITHINDEXSUFFIX", "WITHUNWRAP", "WITHPIPELINE", "WITHCOMPRESSION",
            "WITHDELIMITER", "WITHSTRUCTURE", "WITH_FLUSH_INTERVAL", "WITH_FLUSH_SIZE",
            "WITH_FLUSH_COUNT", "WITH_SCHEMA_EVOLUTION", "PARTITIONBY", "DISTRIBUTEBY", "CLUSTERBY",
            "BATCH", "TIMESTAMP", "TIMESTAMPUNIT", "TTL", "AUTOCREATE", "AUTOEVOLVE", "INCREMENTALMODE",
            "SAMPLE", "EVERY", "CAPITALIZE", "INITIALIZE", "PROJECTTO", "PROPERTIES", "ORDER", "GROUP");

    private static final String STATEMENT_SHAPE =
            "a statement is INSERT INTO <resource> SELECT <fields> FROM <topic> [IGNORE <fields>] [STOREAS <format>]";

    private static final int MAX_TOPIC_LENGTH = 249;

    private final KcqlScanner in;

    private KcqlParser(String kcql) {
        this.in = new KcqlScanner(kcql);
    }

    /**
     * Parses the whole {@code connect.coap.kcql} value.
     *
     * @return one route per statement, in order; never empty
     * @throws KcqlException with the 1-based position of the problem (0 for an empty value)
     */
    public static List<Route> parse(String kcql) {
        if (kcql == null || kcql.isBlank()) {
            throw new KcqlException("the KCQL is empty; write at least one statement, e.g. "
                    + "INSERT INTO my_resource SELECT * FROM my_topic", 0);
        }
        return new KcqlParser(kcql).statements();
    }

    // ---------------------------------------------------------------- statements

    private List<Route> statements() {
        List<Route> routes = new ArrayList<>();
        Map<String, Parsed> byTopic = new HashMap<>();
        while (true) {
            in.skipSpace();
            if (!in.atEnd() && in.peek() == ';') {
                int at = in.position(in.index());
                throw new KcqlException("empty statement: found ';' at position " + at
                        + " where a statement should start (near \"" + in.excerpt(in.index())
                        + "\"). Remove the extra ';'; only one ';' goes between statements", at);
            }
            Parsed parsed = statement();
            Parsed earlier = byTopic.putIfAbsent(parsed.route.topic(), parsed);
            if (earlier != null) {
                throw new KcqlException("topic '" + parsed.route.topic() + "' is routed twice: at position "
                        + earlier.topicPosition + " to resource '" + earlier.route.resource()
                        + "' and at position " + parsed.topicPosition + " to resource '"
                        + parsed.route.resource() + "'. One topic goes to exactly one resource; "
                        + "keep one of the two statements", parsed.topicPosition);
            }
            routes.add(parsed.route);
            in.skipSpace();
            if (in.atEnd()) {
                return List.copyOf(routes);
            }
            in.advance(); // the ';' that statementEnd() checked
            in.skipSpace();
            if (in.atEnd()) {
                return List.copyOf(routes);
            }
        }
    }

    private record Parsed(Route route, int topicPosition) {
    }

    private Parsed statement() {
        keywordInsert();
        expectKeyword("INTO", "after INSERT", "write INSERT INTO <resource>");
        ResourceTemplate resource = resource();
        expectKeyword("SELECT", "after the resource",
                "a resource with spaces or other characters needs quotes, e.g. INSERT INTO \"room 1/temp\" SELECT ...");
        Selection selection = selectList();
        in.skipSpace();
        int topicIndex = in.index();
        String topic = topic();
        List<Name> ignored = List.of();
        Optional<PayloadFormat> storeAs = Optional.empty();
        while (true) {
            if (ignored.isEmpty() && in.tryKeyword("IGNORE")) {
                ignored = ignoreList();
            } else if (storeAs.isEmpty() && in.tryKeyword("STOREAS")) {
                storeAs = Optional.of(storeAs());
            } else {
                break;
            }
        }
        statementEnd(!ignored.isEmpty(), storeAs.isPresent());
        checkIgnored(selection, ignored);
        Projection projection = new Projection(selection.all,
                selection.fields.stream().map(f -> f.field).toList(),
                ignored.stream().map(n -> n.path).toList());
        return new Parsed(new Route(topic, resource, projection, storeAs), in.position(topicIndex));
    }

    private void keywordInsert() {
        in.skipSpace();
        int at = in.index();
        String word = in.peekWord();
        if (word.equalsIgnoreCase("INSERT")) {
            in.tryKeyword("INSERT");
            return;
        }
        if (word.equalsIgnoreCase("UPSERT")) {
            throw new KcqlException("UPSERT at position " + in.position(at)
                    + " is not supported by the CoAP sink; use INSERT INTO <resource> SELECT ... FROM <topic>",
                    in.position(at));
        }
        throw expected("INSERT", "at the start of a statement", STATEMENT_SHAPE);
    }

    private PayloadFormat storeAs() {
        in.skipSpace();
        int at = in.index();
        String word = in.peekWord();
        String formats = Arrays.toString(PayloadFormat.values());
        for (PayloadFormat f : PayloadFormat.values()) {
            if (f.name().equalsIgnoreCase(word)) {
                in.tryKeyword(word);
                return f;
            }
        }
        if (word.isEmpty()) {
            throw expected("a payload format", "after STOREAS", "write one of " + formats + ", e.g. STOREAS CBOR");
        }
        int pos = in.position(at);
        throw new KcqlException("STOREAS " + word + " at position " + pos + " is not a payload format of the CoAP "
                + "sink (near \"" + in.excerpt(at) + "\"). Write one of " + formats, pos);
    }

    private void statementEnd(boolean hadIgnore, boolean hadStoreAs) {
        in.skipSpace();
        if (in.atEnd() || in.peek() == ';') {
            return;
        }
        int at = in.index();
        int pos = in.position(at);
        String word = in.peekWord();
        String upper = word.toUpperCase(Locale.ROOT);
        String supported = "; " + STATEMENT_SHAPE + ", and statements are separated by ';'";
        if (upper.equals("INSERT")) {
            throw new KcqlException("expected ';' before the next statement at position " + pos
                    + ", found 'INSERT' (near \"" + in.excerpt(at) + "\"). Separate statements with ';'", pos);
        }
        if (upper.equals("IGNORE") && hadIgnore) {
            throw new KcqlException("a second IGNORE at position " + pos
                    + " is not supported by the CoAP sink; list all ignored fields in one IGNORE, "
                    + "separated by ',': IGNORE a, b.c", pos);
        }
        if (upper.equals("STOREAS") && hadStoreAs) {
            throw new KcqlException("a second STOREAS at position " + pos + " is not allowed; a route has one "
                    + "payload format", pos);
        }
        if (OLD_KCQL_CLAUSES.contains(upper)) {
            throw new KcqlException("the KCQL clause " + upper + " at position " + pos
                    + " is not supported by the CoAP sink (near \"" + in.excerpt(at) + "\"). Remove it"
                    + supported, pos);
        }
        if (!word.isEmpty()) {
            throw new KcqlException("'" + word + "' at position " + pos
                    + " is not supported by the CoAP sink: only IGNORE and STOREAS may follow FROM <topic> (near \""
                    + in.excerpt(at) + "\")" + supported, pos);
        }
        throw new KcqlException("unexpected " + in.found(at) + " at position " + pos
                + " after the end of the statement (near \"" + in.excerpt(at) + "\"). Remove it"
                + supported, pos);
    }

    // ---------------------------------------------------------------- resource

    private ResourceTemplate resource() {
        in.skipSpace();
        int start = in.index();
        if (in.atEnd()) {
            throw expected("a resource", "after INTO", resourceHint());
        }
        char c = in.peek();
        boolean quoted = c == '`' || c == '"' || c == '\'';
        String raw;
        if (quoted) {
            raw = in.readQuoted("the resource");
        } else if (c == '/' || isResourceChar(c)) {
            raw = in.readWhile(ch -> ch == '/' || isResourceChar((char) ch));
            if (raw.equalsIgnoreCase("SELECT") && !in.peekWord().equalsIgnoreCase("SELECT")) {
                throw expectedAt(start, "a resource", "after INTO", resourceHint());
            }
            if (!in.atEnd() && (in.peek() == '{' || in.peek() == '?')) {
                int pos = in.position(in.index());
                throw new KcqlException("the resource '" + raw + "' continues with '" + in.peek() + "' at position "
                        + pos + " (near \"" + in.excerpt(in.index()) + "\"); a resource with placeholders or a "
                        + "query needs quotes: INSERT INTO \"devices/{{key}}?src={{topic}}\" SELECT ...", pos);
            }
        } else {
            throw expected("a resource", "after INTO", resourceHint());
        }
        int contentStart = quoted ? start + 1 : start;
        String path = raw;
        if (path.startsWith("/")) {
            path = path.substring(1);
            contentStart++;
        }
        if (path.isEmpty()) {
            int pos = in.position(start);
            throw new KcqlException("the resource at position " + pos + " is empty; " + resourceHint(), pos);
        }
        try {
            return ResourceTemplate.parse(path);
        } catch (TemplateException e) {
            int at = contentStart + e.index();
            int pos = in.position(at);
            throw new KcqlException(e.problem() + " in the resource '" + path + "' at position " + pos
                    + " (near \"" + in.excerpt(at) + "\"); " + e.fix(), pos);
        }
    }

    private static boolean isResourceChar(char c) {
        return KcqlScanner.isWordChar(c) || c == '.' || c == '~';
    }

    private static String resourceHint() {
        return "write a CoAP resource path such as sensors/room1 (letters, digits, _ - . ~ and '/'), "
                + "or quote it: \"sensors/room 1\"";
    }

    // ---------------------------------------------------------------- SELECT list

    private record Name(String text, FieldPath path, int index) {
    }

    private record Item(SelectedField field, int pathPosition, int namePosition, boolean aliased) {
    }

    private record Selection(boolean all, List<Item> fields) {
    }

    private Selection selectList() {
        in.skipSpace();
        boolean all = false;
        List<Item> items = new ArrayList<>();
        String previous;
        if (in.tryChar('*')) {
            all = true;
            previous = "*";
            in.skipSpace();
            int asIndex = in.index();
            if (in.tryKeyword("AS")) {
                int pos = in.position(asIndex);
                throw new KcqlException("an alias on * is not allowed (AS at position " + pos
                        + "): * keeps every field under its own name. To rename a field, list it after *: "
                        + "SELECT *, field AS new_name", pos);
            }
        } else {
            Item first = field("after SELECT", true);
            items.add(first);
            previous = "the field '" + describe(first) + "'";
        }
        while (true) {
            if (in.tryChar(',')) {
                Item item = field("after ','", false);
                items.add(item);
                previous = "the field '" + describe(item) + "'";
                continue;
            }
            if (in.tryKeyword("FROM")) {
                break;
            }
            throw afterField(previous);
        }
        checkOutputNames(all, items);
        return new Selection(all, items);
    }

    private static String describe(Item item) {
        SelectedField f = item.field;
        return item.aliased ? f.path() + " AS " + f.outputName() : f.path().toString();
    }

    private KcqlException afterField(String previous) {
        in.skipSpace();
        int at = in.index();
        int pos = in.position(at);
        String word = in.peekWord();
        String what = "expected ',' or FROM after " + previous + " at position " + pos + ", found "
                + in.found(at) + " (near \"" + in.excerpt(at) + "\"). ";
        if (word.equalsIgnoreCase("and")) {
            return new KcqlException(what + "Separate fields with ',' not 'and', e.g. "
                    + "SELECT x AS a, y AS b, z AS c", pos);
        }
        if (word.equalsIgnoreCase("AS")) {
            return new KcqlException(what + "A field has at most one alias: field AS new_name", pos);
        }
        if (!in.atEnd() && in.peek() == '.') {
            return new KcqlException(what + "An alias is a single name, not a path; "
                    + "quote it with backticks if it must contain '.': x AS `a.b`", pos);
        }
        if (!in.atEnd() && in.peek() == '*') {
            return new KcqlException(what + "* must come first in the SELECT list: SELECT *, a AS b", pos);
        }
        if (in.atEnd()) {
            return new KcqlException(what + "Finish the statement with FROM <topic>", pos);
        }
        return new KcqlException(what + "Separate fields with ','; rename a field with AS: x AS new_name", pos);
    }

    private Item field(String after, boolean first) {
        in.skipSpace();
        if (!in.atEnd() && in.peek() == '*') {
            int pos = in.position(in.index());
            throw new KcqlException("* at position " + pos + " must come first in the SELECT list and only once; "
                    + "write SELECT *, a AS b", pos);
        }
        String fieldHint = first
                ? "list fields (a, b.c AS d) or * after SELECT"
                : "remove the ',' or add a field after it";
        Name path = fieldPath(first ? "a field name or *" : "a field name", after, fieldHint);
        int pathPos = in.position(path.index);
        if (in.tryKeyword("AS")) {
            Name alias = name("an alias", "after AS", "write field AS new_name");
            return new Item(new SelectedField(path.path, alias.text), pathPos, in.position(alias.index), true);
        }
        return new Item(new SelectedField(path.path, path.path.last()), pathPos, pathPos, false);
    }

    private void checkOutputNames(boolean all, List<Item> items) {
        Map<String, Item> byName = new HashMap<>();
        Map<String, Item> renamedTopLevel = new HashMap<>();
        for (Item item : items) {
            String name = item.field.outputName();
            Item earlier = byName.putIfAbsent(name, item);
            if (earlier != null) {
                int pos = item.namePosition;
                if (item.aliased && earlier.aliased) {
                    throw new KcqlException("alias '" + name + "' is used twice in one SELECT, at position "
                            + earlier.namePosition + " and at position " + pos
                            + "; give every field a different alias", pos);
                }
                throw new KcqlException("duplicate output name '" + name + "' at position " + pos
                        + ": '" + describe(earlier) + "' at position " + earlier.pathPosition
                        + " already produces a field named '" + name + "'. Give one of them a different "
                        + "name with AS", pos);
            }
            FieldPath path = item.field.path();
            if (all && !path.isNested()) {
                Item renamed = renamedTopLevel.putIfAbsent(path.head(), item);
                if (renamed != null) {
                    throw new KcqlException("field '" + path + "' at position " + item.pathPosition
                            + " is already listed at position " + renamed.pathPosition + "; with * a top-level "
                            + "field is renamed in place, so it can get only one name. To copy it under "
                            + "two names, list the fields without *", item.pathPosition);
                }
            }
        }
    }

    // ---------------------------------------------------------------- names and paths

    private Name fieldPath(String what, String after, String hint) {
        Name head = name(what, after, hint);
        List<String> segments = new ArrayList<>();
        segments.add(head.text);
        while (in.tryChar('.')) {
            segments.add(name("a field name", "after '.'", "write a nested field as a.b.c").text);
        }
        return new Name(String.join(".", segments), new FieldPath(segments), head.index);
    }

    private Name name(String what, String after, String hint) {
        in.skipSpace();
        int start = in.index();
        if (in.atEnd()) {
            throw expected(what, after, hint);
        }
        char c = in.peek();
        if (c == '`') {
            String text = in.readQuoted("a name");
            if (text.isEmpty()) {
                int pos = in.position(start);
                throw new KcqlException("empty name `` at position " + pos + "; put the field name between "
                        + "the backticks", pos);
            }
            return new Name(text, FieldPath.of(text), start);
        }
        if (!KcqlScanner.isAsciiLetter(c) && c != '_') {
            throw expected(what, after, hint + "; names that do not start with a letter or '_' need backticks: `1st`");
        }
        String word = in.peekWord();
        if (RESERVED.contains(word.toUpperCase(Locale.ROOT))) {
            throw expected(what, after, hint + "; a field named like the keyword " + word.toUpperCase(Locale.ROOT)
                    + " needs backticks: `" + word + "`");
        }
        in.readWhile(ch -> KcqlScanner.isWordChar((char) ch));
        return new Name(word, FieldPath.of(word), start);
    }

    // ---------------------------------------------------------------- topic

    private String topic() {
        in.skipSpace();
        int start = in.index();
        int pos = in.position(start);
        String hint = "name the Kafka topic to read, e.g. FROM my_topic";
        if (in.atEnd() || in.peek() == ';') {
            throw expected("a topic", "after FROM", hint);
        }
        String topic;
        if (in.peek() == '`') {
            topic = in.readQuoted("the topic");
        } else {
            topic = in.readWhile(ch -> !Character.isWhitespace(ch) && ch != ';');
            if (RESERVED.contains(topic.toUpperCase(Locale.ROOT))) {
                throw expectedAt(start, "a topic", "after FROM",
                        hint + "; a topic named like the keyword " + topic.toUpperCase(Locale.ROOT)
                                + " needs backticks: `" + topic + "`");
            }
        }
        String legal = "Kafka topic names use only ASCII letters, digits, '.', '_' and '-', at most "
                + MAX_TOPIC_LENGTH + " characters";
        if (topic.isEmpty()) {
            throw new KcqlException("invalid topic name `` at position " + pos + ": it is empty; " + legal, pos);
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!isTopicChar(c)) {
                int offset = in.text().charAt(start) == '`' ? 1 : 0;
                int cp = topic.codePointAt(i);
                String bad = Character.isISOControl(cp)
                        ? String.format(Locale.ROOT, "U+%04X", cp)
                        : "'" + new String(Character.toChars(cp)) + "'";
                String extra = c == ','
                        ? ". A statement reads exactly one topic: write one statement per topic, separated by ';'"
                        : c == '"' || c == '\'' ? ". Quote a topic with backticks, not " + c : "";
                throw new KcqlException("invalid topic name '" + topic + "' at position " + pos
                        + ": the character " + bad + " at position " + in.position(start + offset + i)
                        + " is not allowed; " + legal + extra, pos);
            }
        }
        if (topic.length() > MAX_TOPIC_LENGTH) {
            throw new KcqlException("invalid topic name at position " + pos + ": it has " + topic.length()
                    + " characters; " + legal, pos);
        }
        if (topic.equals(".") || topic.equals("..")) {
            throw new KcqlException("invalid topic name '" + topic + "' at position " + pos
                    + ": Kafka does not allow '.' or '..' as a topic name", pos);
        }
        return topic;
    }

    private static boolean isTopicChar(char c) {
        return KcqlScanner.isAsciiLetter(c) || KcqlScanner.isAsciiDigit(c) || c == '.' || c == '_' || c == '-';
    }

    // ---------------------------------------------------------------- IGNORE

    private List<Name> ignoreList() {
        List<Name> ignored = new ArrayList<>();
        String after = "after IGNORE";
        String hint = "list the fields to drop: IGNORE a, b.c";
        do {
            ignored.add(fieldPath("a field name", after, hint));
            after = "after ','";
            hint = "remove the ',' or add a field after it";
        } while (in.tryChar(','));
        return ignored;
    }

    private void checkIgnored(Selection selection, List<Name> ignored) {
        Map<FieldPath, Name> seen = new LinkedHashMap<>();
        for (Name name : ignored) {
            int pos = in.position(name.index);
            Name earlier = seen.putIfAbsent(name.path, name);
            if (earlier != null) {
                throw new KcqlException("IGNORE lists '" + name.path + "' twice, at position "
                        + in.position(earlier.index) + " and at position " + pos + "; list it once", pos);
            }
            for (Item item : selection.fields) {
                SelectedField f = item.field;
                boolean sameSource = f.path().equals(name.path);
                boolean sameOutput = !name.path.isNested() && f.outputName().equals(name.path.head());
                if (sameSource || sameOutput) {
                    throw new KcqlException("IGNORE '" + name.path + "' at position " + pos
                            + " drops the field '" + describe(item) + "' selected at position "
                            + item.pathPosition + "; remove it from IGNORE or from the SELECT list", pos);
                }
            }
        }
    }

    // ---------------------------------------------------------------- errors

    private void expectKeyword(String keyword, String after, String hint) {
        if (!in.tryKeyword(keyword)) {
            throw expected(keyword, after, hint);
        }
    }

    /** "expected X after Y at position N, found Z (near "..."). Hint" for what follows the cursor. */
    private KcqlException expected(String what, String after, String hint) {
        in.skipSpace();
        return expectedAt(in.index(), what, after, hint);
    }

    private KcqlException expectedAt(int at, String what, String after, String hint) {
        int pos = in.position(at);
        String h = hint.isEmpty() ? "" : Character.toUpperCase(hint.charAt(0)) + hint.substring(1);
        return new KcqlException("expected " + what + " " + after + " at position " + pos + ", found "
                + in.found(at) + " (near \"" + in.excerpt(at) + "\"). " + h, pos);
    }
}
