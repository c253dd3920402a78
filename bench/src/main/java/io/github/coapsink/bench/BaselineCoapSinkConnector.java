package io.github.coapsink.bench;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Scenario (a): the old design, kept small and honest — one blocking confirmable {@code CoapClient.put} per record,
 * Californium's default protocol settings (only the properties file is not written). Benchmark use only.
 *
 * <p>Config: {@code baseline.coap.uri} (full resource URI, e.g. {@code coap://127.0.0.1:5683/users}).
 */
public final class BaselineCoapSinkConnector extends SinkConnector {
    static final String URI = "baseline.coap.uri";

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return BaselineCoapSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return java.util.Collections.nCopies(maxTasks, props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define(URI, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                ConfigDef.Importance.HIGH, "CoAP resource URI every record is PUT to");
    }

    @Override
    public String version() {
        return "bench";
    }
}
