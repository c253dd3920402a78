package io.github.coapsink.kcql;

import io.github.coapsink.encode.PayloadFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * One KCQL statement, parsed: records of {@code topic} go to the CoAP resource {@code resource}
 * (a path relative to the connector's URI, segments separated by '/', no leading '/'), shaped by
 * {@code projection}, in the payload format {@code storeAs} names ({@code STOREAS}), else the connector's.
 */
public record Route(String topic, String resource, Projection projection, Optional<PayloadFormat> storeAs) {

    public Route {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(storeAs, "storeAs");
    }

    /** A route in the connector's payload format. */
    public Route(String topic, String resource, Projection projection) {
        this(topic, resource, projection, Optional.empty());
    }
}
