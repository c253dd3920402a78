package io.github.coapsink.kcql;

import java.util.Objects;

/**
 * One KCQL statement, parsed: records of {@code topic} go to the CoAP resource {@code resource}
 * (a path relative to the connector's URI, segments separated by '/', no leading '/'), shaped by
 * {@code projection}.
 */
public record Route(String topic, String resource, Projection projection) {

    public Route {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(projection, "projection");
    }
}
