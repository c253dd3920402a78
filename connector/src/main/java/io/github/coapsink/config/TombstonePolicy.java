package io.github.coapsink.config;

/** What the task does with a record whose value is null (a Kafka tombstone). */
public enum TombstonePolicy {
    /** Skip it: nothing is sent, the offset is committed. */
    SKIP,
    /** Send a CoAP DELETE to the route's resource. */
    DELETE,
    /** Treat it as a bad record: it gets the error policy or the dead-letter queue. */
    FAIL
}
