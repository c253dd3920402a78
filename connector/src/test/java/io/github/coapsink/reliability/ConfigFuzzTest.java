package io.github.coapsink.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.CoapSinkConnector;
import io.github.coapsink.config.CoapSinkConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Bad input, configuration: random maps over every key of the ConfigDef (a random value of each
 * key's type, of another type, out of range, or garbage) must either build a
 * {@link CoapSinkConfig} or fail with a {@link ConfigException}; the connector's
 * {@code validate()} (the REST /validate call) must never throw.
 */
class ConfigFuzzTest {

    private static final ConfigDef DEF = CoapSinkConfig.configDef();
    private static final AtomicLong ACCEPTED = new AtomicLong();
    private static final AtomicLong REJECTED = new AtomicLong();
    private static final Map<String, AtomicLong> REJECTED_BY_KEY = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("configuration (\\S+?):? ");

    private static Arbitrary<String> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.integers().between(-5, 70_000).map(String::valueOf),
                Arbitraries.of("0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
                        " 5 ", "1e3", "0x10", "1.5", "NaN", "", " "));
    }

    private static Arbitrary<String> garbage() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.of("", " ", "null", "\u0000", "\uD800", "${file:/etc/passwd:x}", "a,b,,c", ",", "true",
                        "THROW", "retry", "PUT", "DELETE", "NONE", "SKIP", "WRAP", "coap://", "coaps://[::1]:0"));
    }

    private static Arbitrary<String> valueFor(ConfigDef.ConfigKey key) {
        Arbitrary<String> typed = switch (key.type) {
            case INT, LONG, SHORT, DOUBLE -> Arbitraries.frequencyOf(
                    Tuple.of(5, Arbitraries.integers().between(1, 1000).map(String::valueOf)), Tuple.of(1, numbers()));
            case BOOLEAN -> Arbitraries.of("true", "false", "TRUE", "False", "yes", "1", "");
            case LIST -> Arbitraries.strings().alpha().ofMaxLength(5).list().ofMaxSize(4).map(l -> String.join(",", l));
            default -> switch (key.name) {
                case CoapSinkConfig.URI -> Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of("coap://127.0.0.1:5683",
                        "coap://localhost", "coap://[::1]:5683/base")), Tuple.of(2, Arbitraries.of(
                        "coap://127.0.0.1:5683", "coaps://127.0.0.1:5684",
                        "coap://[::1]", "coap://gw:5683/api/v1", "coap://h:99999", "http://x", "coap://", "coap:/x",
                        "coap://127.0.0.1:5683?q=1#f", "coap://user@h", "coap:// h", "coap://h:-1")));
                case CoapSinkConfig.KCQL -> Arbitraries.oneOf(Arbitraries.of(KcqlFuzzTest.VALID),
                        Arbitraries.of(KcqlFuzzTest.VALID).map(s -> s.substring(0, s.length() / 2)));
                case CoapSinkConfig.METHOD -> Arbitraries.of("PUT", "POST", "put", "GET", "DELETE");
                case CoapSinkConfig.ERROR_POLICY -> Arbitraries.of("THROW", "NOOP", "RETRY", "retry", "IGNORE");
                case CoapSinkConfig.ORDERING -> Arbitraries.of("PARTITION_RESOURCE", "NONE", "none", "KEY");
                case CoapSinkConfig.TOMBSTONE_POLICY -> Arbitraries.of("SKIP", "DELETE", "FAIL", "skip", "KEEP");
                case CoapSinkConfig.PLAIN_STRING_POLICY -> Arbitraries.of("FAIL", "WRAP", "wrap", "RAW");
                case CoapSinkConfig.HOST -> Arbitraries.of("", "127.0.0.1", "localhost", "::1", "no.such.host.invalid",
                        "999.1.1.1");
                default -> Arbitraries.strings().ofMaxLength(20);
            };
        };
        return Arbitraries.frequencyOf(Tuple.of(20, typed), Tuple.of(1, garbage()), Tuple.of(1, numbers()));
    }

    @Provide
    Arbitrary<Map<String, String>> configs() {
        List<Arbitrary<Map.Entry<String, String>>> entries = new ArrayList<>();
        for (ConfigDef.ConfigKey key : DEF.configKeys().values()) {
            boolean required = key.name.equals(CoapSinkConfig.URI) || key.name.equals(CoapSinkConfig.KCQL);
            boolean deprecated = key.name.equals(CoapSinkConfig.MAX_RETRIES_MISSPELT);
            Arbitrary<Map.Entry<String, String>> present = valueFor(key).map(v -> Map.entry(key.name, v));
            entries.add(Arbitraries.frequencyOf(Tuple.of(required ? 19 : 1, present),
                    Tuple.of(required ? 1 : deprecated ? 20 : 5, Arbitraries.just(Map.entry("", "")))));
        }
        return net.jqwik.api.Combinators.combine(entries).as(list -> {
            Map<String, String> props = new HashMap<>();
            for (Map.Entry<String, String> e : list) {
                if (!e.getKey().isEmpty()) {
                    props.put(e.getKey(), e.getValue());
                }
            }
            return props;
        });
    }

    @Property(tries = 5_000, shrinking = ShrinkingMode.BOUNDED)
    void randomConfigsFailOnlyWithConfigExceptionAndValidateNeverThrows(@ForAll("configs") Map<String, String> props) {
        try {
            CoapSinkConfig config = new CoapSinkConfig(props);
            assertThat(config.routes()).isNotEmpty();
            config.uri();
            config.method();
            config.errorPolicy();
            config.ordering();
            config.tombstonePolicy();
            config.plainStringPolicy();
            config.requestTimeout();
            config.retryInterval();
            ACCEPTED.incrementAndGet();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            REJECTED.incrementAndGet();
            java.util.regex.Matcher m = KEY.matcher(e.getMessage());
            String key = m.find() ? m.group(1) : e.getMessage().substring(0, Math.min(40, e.getMessage().length()));
            REJECTED_BY_KEY.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
        Config result = new CoapSinkConnector().validate(props);
        assertThat(result.configValues()).isNotEmpty();
    }

    @AfterContainer
    static void report() {
        System.out.printf("RELIABILITY | config fuzz: %d random configs accepted, %d rejected with ConfigException, "
                + "validate() never threw; rejections by key: %s%n", ACCEPTED.get(), REJECTED.get(),
                new java.util.TreeMap<>(REJECTED_BY_KEY));
    }
}
