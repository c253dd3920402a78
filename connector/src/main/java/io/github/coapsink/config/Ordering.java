package io.github.coapsink.config;

/** Which records may be in flight at the same time. */
public enum Ordering {
    /**
     * Records from the same Kafka partition to the same resource are sent one after the other,
     * each after the previous one was acknowledged, so an older state never lands after a newer
     * one, retries included. Different partitions and resources are sent in parallel.
     */
    PARTITION_RESOURCE,
    /** Any record may be in flight with any other, up to the window: fastest, no order kept. */
    NONE
}
