package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import java.net.InetSocketAddress;
import org.apache.kafka.common.config.ConfigException;
import org.eclipse.californium.elements.Connector;
import org.eclipse.californium.elements.config.Configuration;

/** Builds the DTLS connector for coaps:// URIs. */
final class DtlsConnectors {

    private DtlsConnectors() {
    }

    static Connector create(CoapSinkConfig config, Configuration californium, InetSocketAddress bind) {
        throw new ConfigException(CoapSinkConfig.URI, config.uri().toString(),
                "coaps:// is not supported by this build yet");
    }
}
