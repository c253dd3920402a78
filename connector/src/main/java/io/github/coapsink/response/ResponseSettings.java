package io.github.coapsink.response;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How answers go back to Kafka ({@code connect.coap.response.*}).
 *
 * @param topic the topic the response records are written to
 * @param schemas whether a record's value is JsonConverter's envelope with its schema ({@code schema} and
 *     {@code payload}) or the bare JSON object
 * @param copyHeaders names of the input record's headers copied onto its response record; {@code *} copies all
 * @param codes which outcomes get a record
 * @param producer the response producer's configuration (prefix removed), the sink's defaults applied
 */
public record ResponseSettings(String topic, boolean schemas, List<String> copyHeaders, CodeFilter codes,
        Map<String, Object> producer) {

    public ResponseSettings {
        Objects.requireNonNull(topic, "topic");
        copyHeaders = List.copyOf(copyHeaders);
        Objects.requireNonNull(codes, "codes");
        producer = Map.copyOf(producer);
    }

    /** Names the producer's keys but none of their values: they may hold secrets. */
    @Override
    public String toString() {
        return "ResponseSettings[topic=" + topic + ", schemas=" + schemas + ", copyHeaders=" + copyHeaders
                + ", producer keys=" + new java.util.TreeSet<>(producer.keySet()) + "]";
    }

    /** Whether every header is copied. */
    public boolean copyAllHeaders() {
        return copyHeaders.contains("*");
    }
}
