package io.github.coapsink.config;

/** The CoAP method used to deliver a record. */
public enum RequestMethod {
    /** Replace the resource's state with the record (what the old connector sent). */
    PUT,
    /** Submit the record to the resource, e.g. to append to a collection. */
    POST
}
