package io.github.coapsink.address;

import java.util.Objects;

/** What {@link ResourceTemplate#resolve} makes of one record: an address, or why there is none. */
public sealed interface Resolution {

    /** The record goes to {@code address}. */
    record Resolved(Address address) implements Resolution {
        public Resolved {
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * The record cannot be addressed: a bad record. {@code reason} names the placeholder and what
     * was wrong, e.g. "{{key}} needs the record key, but it is null"; it does not name the record.
     */
    record Unresolvable(String reason) implements Resolution {
        public Unresolvable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
