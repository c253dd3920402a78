package io.github.coapsink.bench;

import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Projection;
import java.util.Collection;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * What the old connector did per record: encode to JSON, then a synchronous confirmable PUT, waiting for the answer
 * before the next record. Any failure (timeout, error code, exception) fails the task, as the old connector's
 * default error policy (THROW) did.
 */
public final class BaselineCoapSinkTask extends SinkTask {
    private final RecordEncoder encoder = new RecordEncoder(PlainStringPolicy.FAIL);
    private CoapEndpoint endpoint;
    private CoapClient client;

    @Override
    public String version() {
        return "bench";
    }

    @Override
    public void start(Map<String, String> props) {
        // Californium defaults; createStandardWithoutFile() only avoids writing Californium3.properties.
        CoapConfig.register();
        UdpConfig.register();
        Configuration config = Configuration.createStandardWithoutFile();
        endpoint = new CoapEndpoint.Builder().setConfiguration(config).build();
        client = new CoapClient(props.get(BaselineCoapSinkConnector.URI));
        client.setEndpoint(endpoint);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord r : records) {
            if (r.value() == null) {
                continue;
            }
            byte[] payload = encoder.encode(r.valueSchema(), r.value(), Projection.all());
            CoapResponse response;
            try {
                response = client.put(payload, MediaTypeRegistry.APPLICATION_JSON);
            } catch (Exception e) {
                throw new ConnectException("PUT of " + r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset()
                        + " failed: " + e, e);
            }
            if (response == null) {
                throw new ConnectException("PUT of " + r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset()
                        + " timed out");
            }
            if (!response.isSuccess()) {
                throw new ConnectException("PUT of " + r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset()
                        + " answered " + response.getCode());
            }
        }
    }

    @Override
    public void stop() {
        if (client != null) {
            client.shutdown();
        }
        if (endpoint != null) {
            endpoint.destroy();
        }
    }
}
