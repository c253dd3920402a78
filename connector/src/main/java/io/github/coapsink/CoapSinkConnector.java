package io.github.coapsink;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.config.ConfigKeyException;
import io.github.coapsink.config.CrossChecks;
import io.github.coapsink.dtls.DtlsCredentials;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams Kafka records as JSON (or CBOR, SenML, raw bytes, text) to resources on a CoAP server. Configure it with the old
 * connector's {@code connect.coap.*} keys; see {@link CoapSinkConfig}.
 */
public class CoapSinkConnector extends SinkConnector {

    private static final Logger log = LoggerFactory.getLogger(CoapSinkConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        CoapSinkConfig config = new CoapSinkConfig(props);
        Map<String, String> problems = problems(config, props);
        if (!problems.isEmpty()) {
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), props.get(first.getKey()), first.getValue());
        }
        List<String> ignored = CrossChecks.ignoredDtlsSettings(config);
        if (!ignored.isEmpty()) {
            log.warn("{} is coap:// (plain UDP, not encrypted) but DTLS settings {} are set; they are ignored. "
                    + "Use coaps:// to encrypt.", CoapSinkConfig.URI, ignored);
        }
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CoapSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> task = new HashMap<>(props);
            task.put(CoapSinkConfig.TASK_INDEX, String.valueOf(i));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {
        // Nothing to release: the old connector deleted the CoAP resource here; this one leaves the server's data alone.
    }

    @Override
    public ConfigDef config() {
        return CoapSinkConfig.configDef();
    }

    /** Adds the checks that span several keys to the per-key results, so the REST validate call shows them. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        boolean singleKeysValid = result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (!singleKeysValid) {
            return result;
        }
        CoapSinkConfig config;
        try {
            config = new CoapSinkConfig(connectorConfigs);
        } catch (ConfigKeyException e) {
            addError(result, e.key(), e.getMessage());
            return result;
        } catch (ConfigException e) {
            addError(result, keyNamedIn(e.getMessage()), e.getMessage());
            return result;
        }
        problems(config, connectorConfigs).forEach((key, message) -> addError(result, key, message));
        return result;
    }

    /**
     * The checks that span several keys, then (coaps:// only) the DTLS credential files, read now so that a
     * missing file or a wrong password shows in validate. The credential check lives in the dtls package, which
     * depends on config for the key names; config does not depend on dtls, so it is joined here.
     */
    private static Map<String, String> problems(CoapSinkConfig config, Map<String, String> props) {
        Map<String, String> problems = new LinkedHashMap<>(CrossChecks.check(config, props));
        DtlsCredentials.problems(config).forEach((key, reason) -> problems.merge(key, reason, (a, b) -> a + "; " + b));
        return problems;
    }

    /** The key Kafka's message "Invalid value V for configuration KEY: ..." names, else the URI key. */
    private static String keyNamedIn(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("for configuration (\\S+?):? ")
                .matcher(String.valueOf(message) + " ");
        return m.find() ? m.group(1) : CoapSinkConfig.URI;
    }

    private static void addError(Config result, String key, String message) {
        for (ConfigValue value : result.configValues()) {
            if (value.name().equals(key)) {
                value.addErrorMessage(message);
                return;
            }
        }
        ConfigValue value = new ConfigValue(key);
        value.addErrorMessage(message);
        result.configValues().add(value);
    }
}
