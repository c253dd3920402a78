package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.kcql.KcqlException;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Route;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.kafka.common.config.ConfigException;

/**
 * Bad input, KCQL: 100,000 generated statements (valid ones mutated by deleting, inserting,
 * duplicating and swapping pieces, plus soups of KCQL tokens and random text) go through
 * {@link KcqlParser#parse} and {@link CoapSinkConfig}; the only failures allowed are
 * {@link KcqlException} and {@link ConfigException}.
 */
class KcqlFuzzTest {

    static final List<String> VALID = List.of(
            "INSERT INTO unsecure SELECT * FROM coap_topic",
            "INSERT INTO sensors/room1 SELECT firstName AS name, age, address.city AS city FROM users",
            "INSERT INTO a SELECT firstName FROM t1; INSERT INTO `b/c` SELECT age FROM t2",
            "INSERT INTO people SELECT *, lastName AS surname FROM people_topic IGNORE salary",
            "insert into x select a.b.c as d, e from `weird topic` ignore f.g, h",
            "INSERT INTO `r` SELECT `select` AS `from` FROM `t.1-2_3`;",
            "INSERT INTO gw/api/v1 SELECT * FROM t IGNORE a, b.c, d",
            "INSERT INTO \"devices/{{key}}/state\" SELECT * FROM readings",
            "INSERT INTO 'site/{{value.site.id}}/room-{{value.room}}' SELECT temperature FROM t",
            "INSERT INTO `devices/{{key}}?src={{topic}}&mode=fast&h={{header.x.y}}` SELECT * FROM t");

    static final List<String> TOKENS = List.of(
            "INSERT", "INTO", "SELECT", "FROM", "AS", "IGNORE", "*", ",", ";", ".", "`", "``", "'", "\"", "(", ")",
            "WITHKEY", "PK", "WHERE", "STOREAS", " ", "  ", "\t", "\n", "\r\n", "\u0000", "\uD800", "\uDFFF", "é",
            "\uD83D\uDCA5", "a", "_", "-", "/", "$", "0", "9999999999", "a".repeat(300), "SELECT *",
            "INSERT INTO x SELECT * FROM t", ";;", "a.b", "..", "*.*", "AS AS", "FROM FROM", "\\", "%", "{", "}",
            "{{", "}}", "{{key}}", "{{value.a}}", "{{header.h}}", "?", "&", "=", "?a=b");

    private static final AtomicLong PARSED = new AtomicLong();
    private static final AtomicLong REJECTED = new AtomicLong();

    record Mutation(int op, double at, int length, String token) {
    }

    @Provide
    Arbitrary<String> kcql() {
        Arbitrary<String> token = Arbitraries.oneOf(Arbitraries.of(TOKENS), Arbitraries.strings().ofMaxLength(4));
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 12), token).as(Mutation::new);
        Arbitrary<String> mutated = Combinators.combine(Arbitraries.of(VALID), mutation.list().ofMinSize(1).ofMaxSize(4))
                .as(KcqlFuzzTest::mutate);
        Arbitrary<String> soup = Arbitraries.of(TOKENS).list().ofMaxSize(20).map(l -> String.join(" ", l));
        Arbitrary<String> glued = Arbitraries.of(TOKENS).list().ofMaxSize(20).map(l -> String.join("", l));
        Arbitrary<String> random = Arbitraries.strings().all().ofMaxLength(60);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, mutated), net.jqwik.api.Tuple.of(2, soup),
                net.jqwik.api.Tuple.of(1, glued), net.jqwik.api.Tuple.of(1, random));
    }

    static String mutate(String base, List<Mutation> mutations) {
        StringBuilder s = new StringBuilder(base);
        for (Mutation m : mutations) {
            int at = (int) (m.at() * s.length());
            int end = Math.min(s.length(), at + m.length());
            switch (m.op()) {
                case 0 -> s.delete(at, end);
                case 1 -> s.insert(at, m.token());
                case 2 -> s.replace(at, end, m.token());
                case 3 -> s.insert(at, s.substring(at, end));
                default -> {
                    String cut = s.substring(at, end);
                    s.delete(at, end);
                    s.insert((int) ((1 - m.at()) * s.length()), cut);
                }
            }
        }
        return s.toString();
    }

    @Property(tries = 100_000, shrinking = ShrinkingMode.BOUNDED)
    void parserAndConfigFailOnlyWithTheirOwnExceptions(@ForAll("kcql") String kcql) {
        try {
            List<Route> routes = KcqlParser.parse(kcql);
            assertThat(routes).isNotEmpty();
            PARSED.incrementAndGet();
        } catch (KcqlException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.position()).isBetween(0, kcql.length() + 1);
            REJECTED.incrementAndGet();
        }
        try {
            CoapSinkConfig config = new CoapSinkConfig(Map.of("connect.coap.uri", "coap://127.0.0.1:5683",
                    "connect.coap.kcql", kcql));
            assertThat(config.routes()).isNotEmpty();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @AfterContainer
    static void report() {
        System.out.printf("RELIABILITY | KCQL fuzz: %d statements parsed, %d rejected with KcqlException, "
                + "no other exception%n", PARSED.get(), REJECTED.get());
    }
}
