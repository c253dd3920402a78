package io.github.coapsink.kcql;

import io.github.coapsink.address.ResourceTemplate;
import io.github.coapsink.encode.PayloadFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * One KCQL statement, parsed: records of {@code topic} go to the CoAP resource {@code template}
 * resolves them to (a path relative to the connector's URI, no leading '/'), shaped by
 * {@code projection}, in the payload format {@code storeAs} names ({@code STOREAS}), else the connector's.
 */
public record Route(String topic, ResourceTemplate template, Projection projection, Optional<PayloadFormat> storeAs) {

    public Route {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(storeAs, "storeAs");
    }

    /** A route to {@code resource}, parsed as a template (a bad one throws a TemplateException). */
    public Route(String topic, String resource, Projection projection, Optional<PayloadFormat> storeAs) {
        this(topic, ResourceTemplate.parse(Objects.requireNonNull(resource, "resource")), projection, storeAs);
    }

    /** A route in the connector's payload format. */
    public Route(String topic, String resource, Projection projection) {
        this(topic, resource, projection, Optional.empty());
    }

    /** The resource template as written, e.g. {@code devices/{{key}}/state}. */
    public String resource() {
        return template.text();
    }
}
