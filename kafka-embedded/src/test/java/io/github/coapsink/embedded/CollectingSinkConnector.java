package io.github.coapsink.embedded;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Test-only sink: every record put goes to {@link #RECORDS}, tagged with the connector name. */
public class CollectingSinkConnector extends SinkConnector {
    /** Collected records of all instances. */
    public static final ConcurrentLinkedQueue<Collected> RECORDS = new ConcurrentLinkedQueue<>();

    /** Records of one connector. */
    public static List<SinkRecord> recordsOf(String connector) {
        return RECORDS.stream().filter(c -> c.connector().equals(connector)).map(Collected::record).toList();
    }

    /** A collected record. */
    public record Collected(String connector, int taskId, SinkRecord record) {
    }

    static final String MODE = "collect.mode";
    static final String FAIL = "collect.fail";

    static final ConfigDef CONFIG = new ConfigDef()
            .define(MODE, ConfigDef.Type.STRING, "all", ConfigDef.ValidString.in("all", "none"),
                    ConfigDef.Importance.LOW, "all = collect, none = drop")
            .define(FAIL, ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW, "fail every put");

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CollectingTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new java.util.HashMap<>(props);
            c.put("task.id", String.valueOf(i));
            out.add(c);
        }
        return out;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public String version() {
        return "test";
    }

    /** Task of {@link CollectingSinkConnector}. */
    public static class CollectingTask extends SinkTask {
        private String connector;
        private int taskId;
        private boolean collect;
        private boolean fail;

        @Override
        public String version() {
            return "test";
        }

        @Override
        public void start(Map<String, String> props) {
            connector = props.get("name");
            taskId = Integer.parseInt(props.get("task.id"));
            collect = "all".equals(props.getOrDefault(MODE, "all"));
            fail = Boolean.parseBoolean(props.getOrDefault(FAIL, "false"));
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            if (fail && !records.isEmpty()) {
                throw new ConnectException("collect.fail is set");
            }
            if (collect) {
                records.forEach(r -> RECORDS.add(new Collected(connector, taskId, r)));
            }
        }

        @Override
        public void stop() {
        }
    }
}
