package io.github.coapsink.config;

import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.kcql.Route;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** Checks that involve several keys. Each problem is reported against the key the user should change. */
public final class CrossChecks {

    static final String TOPICS = "topics";
    static final String TOPICS_REGEX = "topics.regex";

    private CrossChecks() {
    }

    /** Returns key → message for every problem found; empty when the configuration is consistent. */
    public static Map<String, String> check(CoapSinkConfig config, Map<String, String> props) {
        Map<String, String> problems = new LinkedHashMap<>();
        checkTopics(config.routes(), props, problems);
        checkPayloadFormats(config, problems);
        checkResponses(config, props, problems);
        int tasks = tasksMax(props);
        long lastPort = (long) config.bindPort() + (long) tasks * config.endpoints() - 1;
        if (config.bindPort() != 0 && lastPort > 65_535) {
            problems.put(CoapSinkConfig.PORT, "with tasks.max=" + tasks + " and " + CoapSinkConfig.ENDPOINTS + "="
                    + config.endpoints() + " the tasks' endpoints bind ports " + config.bindPort() + " to " + lastPort
                    + ", past 65535; lower the port, tasks.max or " + CoapSinkConfig.ENDPOINTS + ", or use port 0");
        }
        return problems;
    }

    private static int tasksMax(Map<String, String> props) {
        try {
            return Math.max(1, Integer.parseInt(props.getOrDefault("tasks.max", "1").trim()));
        } catch (NumberFormatException e) {
            return 1; // Connect reports a bad tasks.max itself
        }
    }

    private static void checkTopics(List<Route> routes, Map<String, String> props, Map<String, String> problems) {
        Set<String> routed = routes.stream().map(Route::topic).collect(Collectors.toCollection(TreeSet::new));
        String topicsValue = props.get(TOPICS);
        String regexValue = props.get(TOPICS_REGEX);
        if (topicsValue != null && !topicsValue.isBlank()) {
            Set<String> topics = Arrays.stream(topicsValue.split(",")).map(String::trim).filter(t -> !t.isEmpty())
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> unrouted = new TreeSet<>(topics);
            unrouted.removeAll(routed);
            Set<String> unread = new TreeSet<>(routed);
            unread.removeAll(topics);
            StringBuilder message = new StringBuilder();
            if (!unrouted.isEmpty()) {
                message.append("topics ").append(unrouted).append(" are in '").append(TOPICS)
                        .append("' but no KCQL statement reads them; add e.g. 'INSERT INTO <resource> SELECT * FROM ")
                        .append(unrouted.iterator().next()).append("'. ");
            }
            if (!unread.isEmpty()) {
                message.append("KCQL reads topics ").append(unread).append(" that are not in '").append(TOPICS)
                        .append("'; add them to '").append(TOPICS).append("' or remove their statements.");
            }
            if (message.length() > 0) {
                problems.put(CoapSinkConfig.KCQL, message.toString().trim());
            }
        } else if (regexValue != null && !regexValue.isBlank()) {
            Pattern pattern;
            try {
                pattern = Pattern.compile(regexValue);
            } catch (PatternSyntaxException e) {
                return; // Connect reports a bad topics.regex itself
            }
            Set<String> unmatched = routed.stream().filter(t -> !pattern.matcher(t).matches())
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!unmatched.isEmpty()) {
                problems.put(CoapSinkConfig.KCQL, "KCQL reads topics " + unmatched + " that '" + TOPICS_REGEX + "' ("
                        + regexValue + ") does not match; fix the regex or remove their statements. (With "
                        + TOPICS_REGEX + ", a matching topic that has no KCQL statement fails the task when its "
                        + "first record arrives.)");
            }
        }
    }

    /** The response topic needs brokers, an acknowledging producer, and must not feed the sink its own output. */
    private static void checkResponses(CoapSinkConfig config, Map<String, String> props, Map<String, String> problems) {
        String topic = config.getString(CoapSinkConfig.RESPONSE_TOPIC).trim();
        if (topic.isEmpty()) {
            return;
        }
        if (config.getString(CoapSinkConfig.RESPONSE_BOOTSTRAP_SERVERS).isBlank()) {
            problems.put(CoapSinkConfig.RESPONSE_BOOTSTRAP_SERVERS, "is required with "
                    + CoapSinkConfig.RESPONSE_TOPIC + "=" + topic + ": set it to the brokers of that topic, usually "
                    + "the worker's bootstrap.servers (a connector cannot read the worker's settings)");
        }
        Object acks = config.originals().get(CoapSinkConfig.RESPONSE_PRODUCER_PREFIX + "acks");
        if (acks != null && "0".equals(acks.toString().trim())) {
            problems.put(CoapSinkConfig.RESPONSE_PRODUCER_PREFIX + "acks", "acks=0 never acknowledges a response "
                    + "record, so the sink could commit a record whose response was lost; use all (the default) or 1");
        }
        boolean readsIt = config.routes().stream().anyMatch(r -> r.topic().equals(topic));
        String regex = props.get(TOPICS_REGEX);
        if (!readsIt && regex != null && !regex.isBlank()) {
            try {
                readsIt = Pattern.compile(regex).matcher(topic).matches();
            } catch (PatternSyntaxException e) {
                // Connect reports a bad topics.regex itself
            }
        }
        if (readsIt) {
            problems.put(CoapSinkConfig.RESPONSE_TOPIC, "'" + topic + "' is also a topic this connector reads: every "
                    + "answer would be sent to the server again; write responses to a topic of their own");
        }
    }

    /** BYTES and TEXT send the value as it is: no projection, and no array to batch records into. */
    private static void checkPayloadFormats(CoapSinkConfig config, Map<String, String> problems) {
        for (Route route : config.routes()) {
            PayloadFormat format = route.storeAs().orElse(config.payloadFormat());
            String source = route.storeAs().isPresent() ? "STOREAS " + format
                    : CoapSinkConfig.PAYLOAD_FORMAT + "=" + format;
            if (!format.projectable() && !route.projection().isIdentity()) {
                problems.merge(CoapSinkConfig.KCQL, "the statement for topic '" + route.topic() + "' sends " + format
                        + " (" + source + "), which sends the value unchanged, but it selects, renames or ignores "
                        + "fields; write SELECT * without IGNORE, or use STOREAS JSON, CBOR, SENML_JSON or SENML_CBOR",
                        (a, b) -> a + "; " + b);
            }
            boolean senml = format == PayloadFormat.SENML_JSON || format == PayloadFormat.SENML_CBOR;
            if (senml && config.senml().baseName().isEmpty() && route.template().isLiteral()) {
                String bn = PayloadEncoder.defaultBaseName(route);
                PayloadEncoder.baseNameProblem(bn).ifPresent(problem -> problems.merge(CoapSinkConfig.SENML_BASE_NAME,
                        "the route of topic '" + route.topic() + "' sends " + format + " with the base name '" + bn
                                + "' (its resource and '/'): " + problem + "; set " + CoapSinkConfig.SENML_BASE_NAME
                                + " (empty for none)", (a, b) -> a + "; " + b));
            }
            if (!format.combinable() && config.batchMaxRecords() > 1) {
                problems.merge(CoapSinkConfig.BATCH_MAX_RECORDS, "the route of topic '" + route.topic() + "' sends "
                        + format + " (" + source + "), whose bodies cannot hold several records; set "
                        + CoapSinkConfig.BATCH_MAX_RECORDS + "=1 or use STOREAS JSON, CBOR, SENML_JSON or SENML_CBOR",
                        (a, b) -> a + "; " + b);
            }
        }
    }

    /**
     * The DTLS keys set on a coap:// URI, where they do nothing: a warning that the records travel unencrypted,
     * e.g. because the scheme was mistyped. Empty for coaps://.
     */
    public static List<String> ignoredDtlsSettings(CoapSinkConfig config) {
        if (config.secure()) {
            return List.of();
        }
        return DTLS_ONLY_KEYS.stream().filter(key -> isSet(config, key)).toList();
    }

    private static final List<String> DTLS_ONLY_KEYS = List.of(CoapSinkConfig.USERNAME, CoapSinkConfig.PASSWORD,
            CoapSinkConfig.PUBLIC_KEY_FILE, CoapSinkConfig.PRIVATE_KEY_FILE, CoapSinkConfig.KEYSTORE_PATH,
            CoapSinkConfig.TRUSTSTORE_PATH, CoapSinkConfig.SERVER_PUBLIC_KEY_FILE);

    private static boolean isSet(CoapSinkConfig config, String key) {
        Object value = config.originals().get(key);
        return value != null && !value.toString().trim().isEmpty();
    }
}
