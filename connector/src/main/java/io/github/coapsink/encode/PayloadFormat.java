package io.github.coapsink.encode;

/**
 * How a record value becomes the request body, with the CoAP Content-Format (RFC 7252 section 12.3) that
 * names it. Chosen by {@code connect.coap.payload.format} or per route by KCQL's {@code STOREAS}.
 */
public enum PayloadFormat {
    /** Compact UTF-8 JSON, {@code application/json}. */
    JSON(50),
    /** CBOR (RFC 8949) from the same walk over the value as JSON, {@code application/cbor}. */
    CBOR(60),
    /** A SenML pack (RFC 8428) in JSON, {@code application/senml+json}. */
    SENML_JSON(110),
    /** A SenML pack (RFC 8428) in CBOR, {@code application/senml+cbor}. */
    SENML_CBOR(112),
    /** The value's bytes unchanged; the Content-Format is {@code connect.coap.content.format}. */
    BYTES(42),
    /** A string value as UTF-8, {@code text/plain;charset=utf-8}. */
    TEXT(0);

    private final int contentFormat;

    PayloadFormat(int contentFormat) {
        this.contentFormat = contentFormat;
    }

    /** The registered Content-Format; for {@link #BYTES} only the default of the configurable one. */
    public int contentFormat() {
        return contentFormat;
    }

    /** True when several records can share one request body (an array or one SenML pack). */
    public boolean combinable() {
        return this != BYTES && this != TEXT;
    }

    /** True when the route's SELECT/AS/IGNORE can shape the value. */
    public boolean projectable() {
        return this != BYTES && this != TEXT;
    }
}
