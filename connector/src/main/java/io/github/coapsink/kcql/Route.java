package io.github.coapsink.kcql;

import io.github.coapsink.address.ResourceTemplate;
import java.util.Objects;

/**
 * One KCQL statement, parsed: records of {@code topic} go to the CoAP resource {@code template}
 * resolves them to (a path relative to the connector's URI, no leading '/'), shaped by
 * {@code projection}.
 */
public record Route(String topic, ResourceTemplate template, Projection projection) {

    public Route {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(projection, "projection");
    }

    /** A route to {@code resource}, parsed as a template; a bad one throws a TemplateException. */
    public Route(String topic, String resource, Projection projection) {
        this(topic, ResourceTemplate.parse(Objects.requireNonNull(resource, "resource")), projection);
    }

    /** The resource template as written, e.g. {@code devices/{{key}}/state}. */
    public String resource() {
        return template.text();
    }
}
