package io.github.coapsink.kcql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.coapsink.address.Address;
import io.github.coapsink.address.Resolution;
import io.github.coapsink.address.ResourceTemplate;
import io.github.coapsink.encode.PayloadFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class KcqlParserTest {

    // ------------------------------------------------------------------ helpers

    private static Route single(String kcql) {
        List<Route> routes = KcqlParser.parse(kcql);
        assertThat(routes).hasSize(1);
        return routes.get(0);
    }

    private static KcqlException failure(String kcql) {
        List<Route> routes;
        try {
            routes = KcqlParser.parse(kcql);
        } catch (KcqlException e) {
            return e;
        }
        throw new AssertionError("expected a KcqlException for <" + kcql + "> but it parsed to " + routes);
    }

    /** Asserts the error position, that the message repeats it, and that it contains every fragment. */
    private static KcqlException assertError(String kcql, int position, String... fragments) {
        KcqlException e = failure(kcql);
        assertThat(e.position()).as("position of the error in <%s>: %s", kcql, e.getMessage()).isEqualTo(position);
        if (position > 0) {
            assertThat(e.getMessage()).contains("at position " + position);
        }
        assertThat(e.getMessage()).contains(fragments);
        return e;
    }

    /** 1-based position of the only occurrence of {@code marker} in {@code text}. */
    private static int at(String text, String marker) {
        int index = text.indexOf(marker);
        assertThat(index).as("marker <%s> in <%s>", marker, text).isNotNegative();
        assertThat(text.indexOf(marker, index + 1)).as("marker <%s> must be unique in <%s>", marker, text).isNegative();
        return index + 1;
    }

    private static SelectedField field(String outputName, String... path) {
        return new SelectedField(FieldPath.of(path), outputName);
    }

    // ------------------------------------------------------------------ valid statements

    @Nested
    class Valid {

        @Test
        void seedExampleSelectStar() {
            Route route = single("INSERT INTO unsecure SELECT * FROM coap_topic");

            assertThat(route).isEqualTo(new Route("coap_topic", "unsecure", Projection.all()));
            assertThat(route.projection().isIdentity()).isTrue();
        }

        @Test
        void seedExampleWithAliases() {
            Route route = single("INSERT INTO resourceA SELECT x AS a, y AS b, z AS c FROM topicB");

            assertThat(route.topic()).isEqualTo("topicB");
            assertThat(route.resource()).isEqualTo("resourceA");
            assertThat(route.projection().selectAll()).isFalse();
            assertThat(route.projection().fields())
                    .containsExactly(field("a", "x"), field("b", "y"), field("c", "z"));
            assertThat(route.projection().ignored()).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "insert into r select a as b from t ignore c",
            "INSERT INTO r SELECT a AS b FROM t IGNORE c",
            "Insert Into r Select a As b From t Ignore c",
            "iNsErT iNtO r SeLeCt a aS b FrOm t IgNoRe c",
        })
        void keywordsAreCaseInsensitive(String kcql) {
            assertThat(single(kcql)).isEqualTo(new Route("t", "r",
                    new Projection(false, List.of(field("b", "a")), List.of(FieldPath.of("c")))));
        }

        static Stream<Arguments> resources() {
            return Stream.of(
                    Arguments.of("sensors/room1", "sensors/room1"),
                    Arguments.of("/sensors/room1", "sensors/room1"),
                    Arguments.of("a.b~c-d_e/F9", "a.b~c-d_e/F9"),
                    Arguments.of("\"sensors/room 1\"", "sensors/room 1"),
                    Arguments.of("'sensors/room 1'", "sensors/room 1"),
                    Arguments.of("`sensors/room 1`", "sensors/room 1"),
                    Arguments.of("\"/sensors/room 1\"", "sensors/room 1"),
                    Arguments.of("`it's \"here\"`", "it's \"here\""),
                    Arguments.of("\"caf\u00e9/\u00a7&=\"", "caf\u00e9/\u00a7&="),
                    Arguments.of("select", "select"));
        }

        @ParameterizedTest(name = "[{index}] {0} -> {1}")
        @MethodSource("resources")
        void resourceForms(String written, String expected) {
            assertThat(single("INSERT INTO " + written + " SELECT * FROM t").resource()).isEqualTo(expected);
        }

        @Test
        void nestedFieldWithAlias() {
            Route route = single("INSERT INTO r SELECT a.b.c AS d FROM t");

            assertThat(route.projection().fields()).containsExactly(field("d", "a", "b", "c"));
        }

        @Test
        void nestedFieldWithoutAliasIsNamedAfterItsLastSegment() {
            Route route = single("INSERT INTO r SELECT a.b.c, e FROM t");

            assertThat(route.projection().fields()).containsExactly(field("c", "a", "b", "c"), field("e", "e"));
        }

        @Test
        void backtickQuotedNamesMayContainAnything() {
            Route route = single("INSERT INTO r SELECT `my field`.`x.y` AS `out put`, `from` AS `as` FROM t");

            assertThat(route.projection().fields())
                    .containsExactly(field("out put", "my field", "x.y"), field("as", "from"));
        }

        @Test
        void identifiersMayContainUnderscoresDashesAndDigits() {
            Route route = single("INSERT INTO r SELECT _a-b.c_1 AS d-2 FROM t");

            assertThat(route.projection().fields()).containsExactly(field("d-2", "_a-b", "c_1"));
        }

        @Test
        void wordsThatStartWithAKeywordAreNames() {
            Route route = single("INSERT INTO r SELECT fromage, as_of AS asof, selected FROM ignore_me");

            assertThat(route.topic()).isEqualTo("ignore_me");
            assertThat(route.projection().fields())
                    .containsExactly(field("fromage", "fromage"), field("asof", "as_of"), field("selected", "selected"));
        }

        @Test
        void starWithRenamesAndAdditions() {
            Route route = single("INSERT INTO r SELECT *, a AS b, c.d AS e FROM t");

            assertThat(route.projection().selectAll()).isTrue();
            assertThat(route.projection().fields()).containsExactly(field("b", "a"), field("e", "c", "d"));
            assertThat(route.projection().isIdentity()).isFalse();
        }

        @Test
        void ignoreListWithNestedPaths() {
            Route route = single("INSERT INTO r SELECT * FROM t IGNORE a, b.c, d.e.f");

            assertThat(route.projection().selectAll()).isTrue();
            assertThat(route.projection().fields()).isEmpty();
            assertThat(route.projection().ignored())
                    .containsExactly(FieldPath.of("a"), FieldPath.of("b", "c"), FieldPath.of("d", "e", "f"));
        }

        @Test
        void ignoringTheParentOfAnAddedNestedFieldIsAllowed() {
            Route route = single("INSERT INTO r SELECT *, a.b AS c FROM t IGNORE a");

            assertThat(route.projection().fields()).containsExactly(field("c", "a", "b"));
            assertThat(route.projection().ignored()).containsExactly(FieldPath.of("a"));
        }

        @Test
        void ignoringASubFieldOfASelectedFieldIsAllowed() {
            Route route = single("INSERT INTO r SELECT a FROM t IGNORE a.secret");

            assertThat(route.projection().ignored()).containsExactly(FieldPath.of("a", "secret"));
        }

        @Test
        void swappingTwoNamesUnderStarIsAllowed() {
            Route route = single("INSERT INTO r SELECT *, a AS b, b AS a FROM t");

            assertThat(route.projection().fields()).containsExactly(field("b", "a"), field("a", "b"));
        }

        @Test
        void outputNamesAreCaseSensitive() {
            Route route = single("INSERT INTO r SELECT a AS x, b AS X FROM t");

            assertThat(route.projection().fields()).containsExactly(field("x", "a"), field("X", "b"));
        }

        @Test
        void severalStatementsWithSemicolonsAndNewlines() {
            List<Route> routes = KcqlParser.parse("""
                    INSERT INTO unsecure SELECT * FROM coap_topic;
                    INSERT INTO sensors/room1
                      SELECT temp AS t, meta.id AS id
                      FROM room1.readings
                      IGNORE meta ;
                    insert into "sensors/room 2" select * from room-2
                    """);

            assertThat(routes).containsExactly(
                    new Route("coap_topic", "unsecure", Projection.all()),
                    new Route("room1.readings", "sensors/room1", new Projection(false,
                            List.of(field("t", "temp"), field("id", "meta", "id")), List.of(FieldPath.of("meta")))),
                    new Route("room-2", "sensors/room 2", Projection.all()));
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "INSERT INTO a SELECT * FROM t;",
            "INSERT INTO a SELECT * FROM t ;",
            "INSERT INTO a SELECT * FROM t;\n  \t",
            "\n  INSERT INTO a SELECT * FROM t  \n;\n",
        })
        void oneTrailingSemicolonAndSurroundingWhitespaceAreAllowed(String kcql) {
            assertThat(single(kcql)).isEqualTo(new Route("t", "a", Projection.all()));
        }

        @Test
        void noSpacesAroundCommasNeeded() {
            List<Route> routes = KcqlParser.parse("INSERT INTO r SELECT a,b AS c,d.e FROM t IGNORE f,g.h;INSERT INTO r SELECT * FROM u");
            assertThat(routes).extracting(Route::topic).containsExactly("t", "u");
            Route route = routes.get(0);

            assertThat(route.projection().fields())
                    .containsExactly(field("a", "a"), field("c", "b"), field("e", "d", "e"));
            assertThat(route.projection().ignored()).containsExactly(FieldPath.of("f"), FieldPath.of("g", "h"));
        }

        @Test
        void anyWhitespaceBetweenTokens() {
            Route route = single("\tINSERT\nINTO\r\nr\n\nSELECT\t*\n,\na\nAS\nb\nFROM\nt\nIGNORE\nc\n.\nd");

            assertThat(route).isEqualTo(new Route("t", "r",
                    new Projection(true, List.of(field("b", "a")), List.of(FieldPath.of("c", "d")))));
        }

        @Test
        void twoTopicsMayShareAResource() {
            List<Route> routes = KcqlParser.parse("INSERT INTO r SELECT * FROM t1; INSERT INTO r SELECT * FROM t2");

            assertThat(routes).extracting(Route::topic).containsExactly("t1", "t2");
            assertThat(routes).extracting(Route::resource).containsExactly("r", "r");
        }

        @ParameterizedTest
        @ValueSource(strings = {"my.topic-1_x", "1topic", "a", "A.B_C-d.9", "`with.dots-and_dash`"})
        void legalTopicNames(String topic) {
            String expected = topic.replace("`", "");
            assertThat(single("INSERT INTO r SELECT * FROM " + topic).topic()).isEqualTo(expected);
        }

        @Test
        void topicOfMaximumLength() {
            String topic = "t".repeat(249);
            assertThat(single("INSERT INTO r SELECT * FROM " + topic).topic()).isEqualTo(topic);
        }

        @Test
        void keywordsInBackticksAreNamesAndTopics() {
            Route route = single("INSERT INTO r SELECT `select` AS `from` FROM `ignore` IGNORE `as`");

            assertThat(route.topic()).isEqualTo("ignore");
            assertThat(route.projection().fields()).containsExactly(field("from", "select"));
            assertThat(route.projection().ignored()).containsExactly(FieldPath.of("as"));
        }

        @Test
        void resultIsImmutable() {
            List<Route> routes = KcqlParser.parse("INSERT INTO r SELECT * FROM t");

            assertThatThrownBy(() -> routes.add(new Route("u", "r", Projection.all())))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    // ------------------------------------------------------------------ errors

    @Nested
    class Empty {

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", " ", "\n\t  \r\n"})
        void emptyOrBlankKcql(String kcql) {
            KcqlException e = assertError(kcql, 0, "empty", "INSERT INTO");
            assertThat(e.getMessage()).doesNotContain("at position");
        }

        @Test
        void doubleSemicolonAtTheEnd() {
            assertError("INSERT INTO a SELECT * FROM t;;", 31, "empty statement", "Remove the extra ';'");
        }

        @Test
        void doubleSemicolonBetweenStatements() {
            String kcql = "INSERT INTO a SELECT * FROM t;\n ;INSERT INTO b SELECT * FROM u";
            assertError(kcql, at(kcql, " ;") + 1, "empty statement");
        }

        @ParameterizedTest
        @ValueSource(strings = {";", "; INSERT INTO a SELECT * FROM t", "  ;"})
        void leadingSemicolon(String kcql) {
            assertError(kcql, at(kcql, ";"), "empty statement");
        }
    }

    @Nested
    class Syntax {

        @Test
        void missingSelectNamesPositionAndFoundToken() {
            assertError("INSERT INTO sensors/room1 FROM t", 27,
                    "expected SELECT after the resource at position 27, found 'FROM'", "quote");
        }

        @Test
        void missingInto() {
            assertError("INSERT sensors SELECT * FROM t", 8, "expected INTO after INSERT", "found 'sensors'");
        }

        @Test
        void statementMustStartWithInsert() {
            assertError("SELECT * FROM t", 1, "expected INSERT", "found 'SELECT'", "INSERT INTO <resource>");
        }

        @Test
        void keywordsNeedWhitespaceBetweenThem() {
            assertError("INSERTINTO a SELECT * FROM t", 1, "expected INSERT", "found 'INSERTINTO'");
        }

        @Test
        void upsertIsNotSupported() {
            assertError("UPSERT INTO a SELECT * FROM t", 1, "UPSERT", "not supported by the CoAP sink", "INSERT INTO");
        }

        @Test
        void missingFrom() {
            assertError("INSERT INTO a SELECT * t", 24, "expected ',' or FROM after * at position 24", "found 't'");
        }

        @Test
        void missingFromAtEndOfInput() {
            assertError("INSERT INTO a SELECT x", 23, "expected ',' or FROM", "found end of input", "FROM <topic>");
        }

        @Test
        void missingTopic() {
            assertError("INSERT INTO a SELECT * FROM", 28, "expected a topic after FROM", "found end of input");
        }

        @Test
        void missingTopicBeforeSemicolon() {
            assertError("INSERT INTO a SELECT * FROM ; INSERT INTO b SELECT * FROM u", 29,
                    "expected a topic after FROM", "found ';'");
        }

        @Test
        void missingResource() {
            assertError("INSERT INTO", 12, "expected a resource after INTO", "found end of input", "sensors/room1");
        }

        @Test
        void missingResourceBeforeSelect() {
            assertError("INSERT INTO SELECT * FROM t", 13, "expected a resource after INTO", "found 'SELECT'");
        }

        @Test
        void resourceWithIllegalUnquotedCharacter() {
            assertError("INSERT INTO (x) SELECT * FROM t", 13, "expected a resource after INTO", "found '('",
                    "\"sensors/room 1\"");
        }

        @Test
        void unquotedResourceWithSpace() {
            assertError("INSERT INTO room 1 SELECT * FROM t", 18, "expected SELECT after the resource",
                    "found '1'", "needs quotes");
        }

        @Test
        void emptySelectList() {
            assertError("INSERT INTO a SELECT FROM t", 22, "expected a field name or * after SELECT",
                    "found 'FROM'", "backticks");
        }

        @Test
        void selectAtEndOfInput() {
            assertError("INSERT INTO a SELECT", 21, "expected a field name or * after SELECT", "found end of input");
        }

        @Test
        void trailingCommaInSelectList() {
            assertError("INSERT INTO a SELECT x, FROM t", 25, "expected a field name after ','", "found 'FROM'",
                    "Remove the ','");
        }

        @Test
        void missingAlias() {
            assertError("INSERT INTO a SELECT x AS FROM t", 27, "expected an alias after AS", "found 'FROM'");
        }

        @Test
        void missingAsBetweenFieldAndAlias() {
            assertError("INSERT INTO a SELECT x y FROM t", 24, "expected ',' or FROM after the field 'x'",
                    "found 'y'", "AS");
        }

        @Test
        void twoAliases() {
            assertError("INSERT INTO a SELECT x AS a AS b FROM t", 29, "found 'AS'", "at most one alias");
        }

        @Test
        void aliasIsNotAPath() {
            assertError("INSERT INTO a SELECT x AS a.b FROM t", 28, "found '.b'", "single name");
        }

        @Test
        void danglingDotInFieldPath() {
            assertError("INSERT INTO a SELECT x. FROM t", 25, "expected a field name after '.'", "found 'FROM'");
        }

        @Test
        void nameStartingWithADigitNeedsBackticks() {
            assertError("INSERT INTO a SELECT 1x FROM t", 22, "found '1x'", "backticks");
        }

        @Test
        void emptyBacktickName() {
            assertError("INSERT INTO a SELECT `` FROM t", 22, "empty name");
        }

        @Test
        void missingIgnoreList() {
            assertError("INSERT INTO a SELECT * FROM t IGNORE", 37, "expected a field name after IGNORE",
                    "found end of input");
        }

        @Test
        void trailingCommaInIgnoreList() {
            assertError("INSERT INTO a SELECT * FROM t IGNORE b,", 40, "expected a field name after ','",
                    "found end of input");
        }

        @Test
        void andBetweenFieldsSuggestsComma() {
            String kcql = "INSERT INTO resourceA SELECT x AS a, y AS b and z AS c FROM topicB";
            assertError(kcql, 45, "found 'and'", "Separate fields with ',' not 'and'", "SELECT x AS a, y AS b, z AS c");
        }

        @Test
        void upperCaseAndBetweenFieldsSuggestsComma() {
            String kcql = "INSERT INTO r SELECT x AND y FROM t";
            assertError(kcql, at(kcql, "AND"), "found 'AND'", "Separate fields with ',' not 'and'");
        }

        @Test
        void missingSemicolonBetweenStatements() {
            String kcql = "INSERT INTO a SELECT * FROM t\nINSERT INTO b SELECT * FROM u";
            assertError(kcql, 31, "expected ';' before the next statement", "found 'INSERT'",
                    "Separate statements with ';'");
        }

        @Test
        void errorInTheSecondStatementHasAnAbsolutePosition() {
            String kcql = "INSERT INTO a SELECT * FROM t;\nINSERT INTO b SELEC * FROM u";
            assertError(kcql, at(kcql, "SELEC "), "expected SELECT after the resource", "found 'SELEC'");
        }

        @Test
        void positionsCountCharactersNotUtf16Units() {
            // The emoji is two Java chars but one character for the user.
            String kcql = "INSERT INTO \"\uD83D\uDE00\" SELEC * FROM t";
            assertError(kcql, 17, "found 'SELEC'");
        }

        @Test
        void messageIsOneLineWithAnExcerpt() {
            KcqlException e = failure("INSERT INTO a\nSELECT *\nFROM t\nWHERE x > 1");

            assertThat(e.getMessage()).doesNotContain("\n").contains("near \"", "FROM t WHERE x > 1");
        }
    }

    @Nested
    class UnsupportedClauses {

        static Stream<Arguments> clauses() {
            return Stream.of(
                    Arguments.of("WITHKEY(id)", "WITHKEY"),
                    Arguments.of("withkey(id)", "WITHKEY"),
                    Arguments.of("PK id", "PK"),
                    Arguments.of("WHERE a > 1", "WHERE"),
                    Arguments.of("LIMIT 10", "LIMIT"),
                    Arguments.of("WITHFORMAT JSON", "WITHFORMAT"),
                    Arguments.of("PARTITIONBY a", "PARTITIONBY"),
                    Arguments.of("BATCH = 100", "BATCH"),
                    Arguments.of("WITH_FLUSH_INTERVAL = 10", "WITH_FLUSH_INTERVAL"));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("clauses")
        void oldKcqlClauseAfterTopic(String clause, String keyword) {
            String kcql = "INSERT INTO r SELECT * FROM t " + clause;
            assertError(kcql, 31, "the KCQL clause " + keyword + " at position 31",
                    "is not supported by the CoAP sink", "INSERT INTO <resource> SELECT <fields> FROM <topic>",
                    "[IGNORE <fields>]");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("clauses")
        void oldKcqlClauseAfterIgnore(String clause, String keyword) {
            String kcql = "INSERT INTO r SELECT * FROM t IGNORE a, b.c " + clause + "; INSERT INTO s SELECT * FROM u";
            assertError(kcql, 45, "the KCQL clause " + keyword, "not supported by the CoAP sink");
        }

        @Test
        void unknownWordAfterTopic() {
            assertError("INSERT INTO r SELECT * FROM t FOO", 31, "'FOO' at position 31 is not supported by the CoAP sink",
                    "only IGNORE", "INSERT INTO <resource>");
        }

        @Test
        void misspelledIgnore() {
            assertError("INSERT INTO r SELECT * FROM t IGNOER a", 31, "'IGNOER'", "not supported by the CoAP sink",
                    "only IGNORE");
        }

        @Test
        void secondIgnore() {
            String kcql = "INSERT INTO r SELECT * FROM t IGNORE a IGNORE b";
            assertError(kcql, 40, "second IGNORE", "IGNORE a, b.c");
        }

        @ParameterizedTest
        @ValueSource(strings = {")", ",", "= 1", "*"})
        void trailingGarbage(String garbage) {
            String kcql = "INSERT INTO r SELECT * FROM t " + garbage;
            assertError(kcql, 31, "unexpected '" + garbage.charAt(0) + "' at position 31",
                    "after the end of the statement", "separated by ';'");
        }

        @Test
        void trailingGarbageAfterBacktickTopic() {
            assertError("INSERT INTO r SELECT * FROM `t`x", 32, "'x'", "not supported by the CoAP sink");
        }
    }

    @Nested
    class SelectList {

        @Test
        void duplicateOutputNameFromAlias() {
            assertError("INSERT INTO a SELECT a, b AS a FROM t", 30,
                    "duplicate output name 'a'", "position 22", "different name with AS");
        }

        @Test
        void sameFieldTwice() {
            assertError("INSERT INTO a SELECT a, a FROM t", 25, "duplicate output name 'a'", "position 22");
        }

        @Test
        void nestedFieldsWithTheSameLastSegment() {
            String kcql = "INSERT INTO r SELECT a.x, b.x FROM t";
            assertError(kcql, at(kcql, "b.x"), "duplicate output name 'x'", "'a.x' at position 22");
        }

        @Test
        void sameAliasTwice() {
            String kcql = "INSERT INTO r SELECT x AS a, y AS a FROM t";
            assertError(kcql, 35, "alias 'a' is used twice", "at position 27 and at position 35",
                    "different alias");
        }

        @Test
        void duplicateDetectedUnderStarToo() {
            assertError("INSERT INTO r SELECT *, a AS z, b AS z FROM t", 38, "alias 'z' is used twice");
        }

        @Test
        void topLevelFieldRenamedTwiceUnderStar() {
            String kcql = "INSERT INTO r SELECT *, a AS b, a AS c FROM t";
            assertError(kcql, 33, "field 'a'", "already listed at position 25", "renamed in place");
        }

        @Test
        void copyingAFieldUnderTwoNamesIsFineWithoutStar() {
            Route route = single("INSERT INTO r SELECT a AS b, a AS c FROM t");

            assertThat(route.projection().fields()).containsExactly(field("b", "a"), field("c", "a"));
        }

        @Test
        void aliasOnStar() {
            assertError("INSERT INTO a SELECT * AS x FROM t", 24, "alias on * is not allowed", "SELECT *, field AS");
        }

        @Test
        void lowerCaseAliasOnStar() {
            assertError("INSERT INTO a SELECT * as x FROM t", 24, "alias on * is not allowed");
        }

        @Test
        void starAfterAField() {
            assertError("INSERT INTO a SELECT a, * FROM t", 25, "must come first", "SELECT *, a AS b");
        }

        @Test
        void starTwice() {
            assertError("INSERT INTO a SELECT *, * FROM t", 25, "must come first");
        }

        @Test
        void starWithoutComma() {
            assertError("INSERT INTO a SELECT a * FROM t", 24, "found '*'", "must come first");
        }
    }

    @Nested
    class Ignore {

        @Test
        void ignoringAnExplicitlySelectedField() {
            assertError("INSERT INTO a SELECT x FROM t IGNORE x", 38,
                    "IGNORE 'x' at position 38", "selected at position 22", "remove it from IGNORE");
        }

        @Test
        void ignoringTheAliasOfASelectedField() {
            String kcql = "INSERT INTO a SELECT *, y AS x FROM t IGNORE x";
            assertError(kcql, 46, "IGNORE 'x'", "'y AS x'", "selected at position 25");
        }

        @Test
        void ignoringASelectedNestedPath() {
            String kcql = "INSERT INTO a SELECT *, a.b.c FROM t IGNORE a.b.c";
            assertError(kcql, 45, "IGNORE 'a.b.c'", "selected at position 25");
        }

        @Test
        void ignoringTheSameFieldTwice() {
            assertError("INSERT INTO a SELECT * FROM t IGNORE b.c, b.c", 43, "IGNORE lists 'b.c' twice",
                    "position 38");
        }
    }

    @Nested
    class Topics {

        @Test
        void sameTopicInTwoStatements() {
            String kcql = "INSERT INTO a SELECT * FROM t; INSERT INTO b SELECT x FROM t";
            assertError(kcql, 60, "topic 't' is routed twice", "at position 29 to resource 'a'",
                    "at position 60 to resource 'b'", "One topic goes to exactly one resource");
        }

        @Test
        void sameTopicOnceQuotedOnceNot() {
            String kcql = "INSERT INTO a SELECT * FROM `t`;\nINSERT INTO a SELECT * FROM t";
            assertError(kcql, 62, "topic 't' is routed twice", "position 29");
        }

        @Test
        void topicsDifferingInCaseAreDifferent() {
            assertThat(KcqlParser.parse("INSERT INTO a SELECT * FROM t; INSERT INTO a SELECT * FROM T")).hasSize(2);
        }

        static Stream<Arguments> invalidTopics() {
            return Stream.of(
                    Arguments.of("my$topic", "the character '$' at position 31"),
                    Arguments.of("t,u", "one statement per topic"),
                    Arguments.of("\"t\"", "Quote a topic with backticks"),
                    Arguments.of("`a b`", "the character ' ' at position 31"),
                    Arguments.of("t\u00f8pic", "the character '\u00f8' at position 30"),
                    Arguments.of(".", "'.' or '..'"),
                    Arguments.of("..", "'.' or '..'"),
                    Arguments.of("``", "it is empty"),
                    Arguments.of("x".repeat(250), "it has 250 characters; Kafka topic names use only ASCII"
                            + " letters, digits, '.', '_' and '-', at most 249 characters"));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("invalidTopics")
        void invalidTopicName(String topic, String detail) {
            assertError("INSERT INTO a SELECT * FROM " + topic, 29, "invalid topic name", detail);
        }

        @Test
        void keywordAsTopicNeedsBackticks() {
            assertError("INSERT INTO a SELECT * FROM ignore a", 29, "expected a topic after FROM", "found 'ignore'",
                    "backticks");
        }
    }

    @Nested
    class Quotes {

        static Stream<Arguments> unterminated() {
            return Stream.of(
                    Arguments.of("INSERT INTO \"a SELECT * FROM t", 13, "\""),
                    Arguments.of("INSERT INTO 'a SELECT * FROM t", 13, "'"),
                    Arguments.of("INSERT INTO `a SELECT * FROM t", 13, "`"),
                    Arguments.of("INSERT INTO a SELECT `x FROM t", 22, "`"),
                    Arguments.of("INSERT INTO a SELECT x AS `y FROM t", 27, "`"),
                    Arguments.of("INSERT INTO a SELECT * FROM `t", 29, "`"),
                    Arguments.of("INSERT INTO a SELECT * FROM t IGNORE `b", 38, "`"));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("unterminated")
        void unterminatedQuote(String kcql, int position, String quote) {
            assertError(kcql, position, "unterminated quote", "the " + quote + " that opens",
                    "Add the closing " + quote);
        }

        @Test
        void mismatchedQuotesAreUnterminated() {
            assertError("INSERT INTO \"a' SELECT * FROM t", 13, "unterminated quote");
        }
    }

    @Nested
    class Resources {

        static Stream<Arguments> emptySegments() {
            return Stream.of(
                    Arguments.of("a//b", 15),
                    Arguments.of("a/", 15),
                    Arguments.of("//a", 13 + 1),
                    Arguments.of("\"a//b\"", 16),
                    Arguments.of("\"a/b/\"", 18));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("emptySegments")
        void emptySegmentsAreRejected(String resource, int position) {
            assertError("INSERT INTO " + resource + " SELECT * FROM t", position, "empty path segment",
                    "remove the extra '/'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"/", "\"\"", "\"/\"", "``"})
        void emptyResourceIsRejected(String resource) {
            assertError("INSERT INTO " + resource + " SELECT * FROM t", 13, "resource at position 13 is empty",
                    "sensors/room1");
        }

        static Stream<Arguments> dotSegments() {
            return Stream.of(
                    Arguments.of("a/../b", 15),
                    Arguments.of("./a", 13),
                    Arguments.of("/./a", 14),
                    Arguments.of("\"a/..\"", 16));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("dotSegments")
        void dotSegmentsAreRejected(String resource, int position) {
            assertError("INSERT INTO " + resource + " SELECT * FROM t", position, "is not allowed", "'.' or '..'");
        }
    }

    @Nested
    class Templates {

        private static SinkRecord record(Object key, Object value) {
            return new SinkRecord("readings", 0, null, key, null, value, 5L);
        }

        private static Address address(Route route, SinkRecord record) {
            Resolution r = route.template().resolve(record);
            assertThat(r).isInstanceOf(Resolution.Resolved.class);
            return ((Resolution.Resolved) r).address();
        }

        @Test
        void keyTemplate() {
            Route route = single("INSERT INTO \"devices/{{key}}/state\" SELECT * FROM readings");

            assertThat(route.resource()).isEqualTo("devices/{{key}}/state");
            assertThat(route.template()).isEqualTo(ResourceTemplate.parse("devices/{{key}}/state"));
            assertThat(route.template().isLiteral()).isFalse();
            assertThat(address(route, record("a/b", null)).path()).containsExactly("devices", "a/b", "state");
        }

        @Test
        void valueTemplateWithAProjection() {
            Route route = single("INSERT INTO \"site/{{value.site.id}}/room-{{value.room}}\" SELECT temperature FROM t");

            assertThat(route.template().needsValue()).isTrue();
            assertThat(route.projection().fields()).containsExactly(field("temperature", "temperature"));
            assertThat(address(route, record(null, Map.of("site", Map.of("id", "s1"), "room", 7, "temperature", 20)))
                    .path()).containsExactly("site", "s1", "room-7");
        }

        @Test
        void queryTemplate() {
            Route route = single("INSERT INTO 'devices/{{key}}?src={{topic}}&mode=fast' SELECT * FROM readings");

            assertThat(address(route, record("d1", "{}")))
                    .isEqualTo(new Address(List.of("devices", "d1"), List.of("src=readings", "mode=fast")));
        }

        @Test
        void leadingSlashIsDroppedBeforeTheTemplateIsParsed() {
            assertThat(single("INSERT INTO `/devices/{{key}}` SELECT * FROM t").resource()).isEqualTo("devices/{{key}}");
        }

        @Test
        void unquotedResourceIsALiteralTemplate() {
            Route route = single("INSERT INTO sensors/room1 SELECT * FROM t");

            assertThat(route.template().isLiteral()).isTrue();
            assertThat(address(route, record(null, null)).path()).containsExactly("sensors", "room1");
        }

        @Test
        void oneTopicStillGoesToExactlyOneResource() {
            String kcql = "INSERT INTO \"a/{{key}}\" SELECT * FROM t; INSERT INTO b SELECT * FROM t";
            assertError(kcql, kcql.length(), "topic 't' is routed twice", "to resource 'a/{{key}}'");
        }

        static Stream<Arguments> templateErrors() {
            return Stream.of(
                    Arguments.of("INSERT INTO \"devices/{{kee}}\" SELECT * FROM t", 22,
                            new String[] {"unknown placeholder '{{kee}}' in the resource 'devices/{{kee}}' at position 22",
                                "{{key}}, {{key.<field>}}, {{value.<field>}}, {{header.<name>}}, {{topic}}"}),
                    Arguments.of("INSERT INTO \"devices/{{key\" SELECT * FROM t", 22,
                            new String[] {"'{{' is never closed", "close the placeholder with '}}'"}),
                    Arguments.of("INSERT INTO \"devices/key}}\" SELECT * FROM t", 25,
                            new String[] {"'}}' closes no placeholder"}),
                    Arguments.of("INSERT INTO \"/a/{{value.a/b}}\" SELECT * FROM t", 26,
                            new String[] {"contains '/'", "cannot span a '/'"}),
                    Arguments.of("INSERT INTO \"a/{{}}\" SELECT * FROM t", 16, new String[] {"empty placeholder"}),
                    Arguments.of("INSERT INTO \"a/{b}\" SELECT * FROM t", 16, new String[] {"a lone '{'"}),
                    Arguments.of("INSERT INTO \"a?=1\" SELECT * FROM t", 16, new String[] {"empty query name"}),
                    Arguments.of("INSERT INTO \"a?{{key}}=1\" SELECT * FROM t", 16,
                            new String[] {"a placeholder in the query name"}),
                    Arguments.of("INSERT INTO \"\ud83d\ude00/{{kee}}\" SELECT * FROM t", 16,
                            new String[] {"unknown placeholder"}),
                    Arguments.of("INSERT INTO a SELECT * FROM t;\nINSERT INTO \"b/{{value}}\" SELECT * FROM u", 47,
                            new String[] {"'{{value}}' names no field", "{{value.id}}"}));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("templateErrors")
        void templateErrorsArePositionedInTheWholeKcql(String kcql, int position, String[] fragments) {
            assertError(kcql, position, fragments);
        }

        @ParameterizedTest
        @ValueSource(strings = {"INSERT INTO devices/{{key}} SELECT * FROM t", "INSERT INTO devices?x=1 SELECT * FROM t"})
        void unquotedResourceWithPlaceholdersOrQueryNeedsQuotes(String kcql) {
            int first = Math.min(kcql.indexOf('{') < 0 ? kcql.length() : kcql.indexOf('{'),
                    kcql.indexOf('?') < 0 ? kcql.length() : kcql.indexOf('?'));
            assertError(kcql, first + 1, "a resource with placeholders or a query needs quotes",
                    "INSERT INTO \"devices/{{key}}?src={{topic}}\"");
        }
    }

    @Nested
    class StoreAs {

        @Test
        void namesThePayloadFormatInAnyCase() {
            assertThat(single("INSERT INTO r SELECT * FROM t STOREAS CBOR").storeAs()).contains(PayloadFormat.CBOR);
            assertThat(single("INSERT INTO r SELECT * FROM t storeas senml_cbor").storeAs())
                    .contains(PayloadFormat.SENML_CBOR);
            assertThat(single("INSERT INTO r SELECT * FROM t").storeAs()).isEmpty();
        }

        @Test
        void goesBeforeOrAfterIgnore() {
            Route after = single("INSERT INTO r SELECT * FROM t IGNORE a, b.c STOREAS SENML_JSON");
            Route before = single("INSERT INTO r SELECT * FROM t STOREAS SENML_JSON IGNORE a, b.c");
            assertThat(after).isEqualTo(before);
            assertThat(after.storeAs()).contains(PayloadFormat.SENML_JSON);
            assertThat(after.projection().ignored()).hasSize(2);
        }

        @Test
        void perStatement() {
            List<Route> routes = KcqlParser.parse("INSERT INTO a SELECT * FROM t1 STOREAS BYTES; "
                    + "INSERT INTO b SELECT x FROM t2; INSERT INTO c SELECT * FROM t3 STOREAS TEXT;");
            assertThat(routes).extracting(Route::storeAs).containsExactly(Optional.of(PayloadFormat.BYTES),
                    Optional.empty(), Optional.of(PayloadFormat.TEXT));
        }

        @Test
        void unknownFormatListsTheFormats() {
            assertError("INSERT INTO r SELECT * FROM t STOREAS MAP", 39, "STOREAS MAP at position 39",
                    "not a payload format", "[JSON, CBOR, SENML_JSON, SENML_CBOR, BYTES, TEXT]");
        }

        @Test
        void missingFormat() {
            assertError("INSERT INTO r SELECT * FROM t STOREAS", 38, "expected a payload format after STOREAS",
                    "STOREAS CBOR");
        }

        @Test
        void secondStoreAs() {
            assertError("INSERT INTO r SELECT * FROM t STOREAS CBOR STOREAS JSON", 44, "second STOREAS");
        }
    }
}
