package io.github.coapsink.encode;

/** What the encoder does with a string value that is not a JSON document. */
public enum PlainStringPolicy {
    /** The record is a bad record: it gets the error policy or the dead-letter queue. */
    FAIL,
    /** The text is sent as a JSON string, e.g. {@code hello} becomes {@code "hello"}. */
    WRAP
}
