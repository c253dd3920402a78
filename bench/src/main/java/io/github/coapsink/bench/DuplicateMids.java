package io.github.coapsink.bench;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts retransmitted confirmable requests as a server sees them: a CON request whose message ID the same client
 * endpoint (source address and port) already sent within the last {@code EXCHANGE_LIFETIME} (RFC 7252's 247 s)
 * is a retransmission. Works on raw datagrams (the delay relay) and on parsed requests (the counting server), so
 * the count is the same whatever the sink's metrics expose. Per client endpoint one {@code int[65536]} of
 * "last seen" stamps (256 KiB). Thread-safe.
 */
public final class DuplicateMids {
    private static final long EXCHANGE_LIFETIME_MILLIS = 247_000;

    private final long startMillis = System.currentTimeMillis();
    private final Map<InetSocketAddress, int[]> lastSeen = new HashMap<>();
    private long requests;
    private long duplicates;

    /** One CON request with message ID {@code mid} from {@code client}. */
    public synchronized void request(InetSocketAddress client, int mid) {
        requests++;
        int[] seen = lastSeen.computeIfAbsent(client, c -> new int[65_536]);
        // stamps are milliseconds since start + 1, so 0 means "never"
        int now = (int) Math.min(Integer.MAX_VALUE, System.currentTimeMillis() - startMillis + 1);
        int before = seen[mid & 0xffff];
        if (before != 0 && now - before < EXCHANGE_LIFETIME_MILLIS) {
            duplicates++;
        }
        seen[mid & 0xffff] = now;
    }

    /**
     * Looks at one datagram sent towards a server: counts it if it is a CoAP version-1 confirmable request (code
     * class 0, code not 0.00).
     */
    public void datagram(InetSocketAddress client, byte[] d, int length) {
        if (length < 4 || (d[0] & 0xc0) != 0x40 || (d[0] & 0x30) != 0) {
            return; // not CoAP v1, or not CON
        }
        int code = d[1] & 0xff;
        if (code == 0 || code > 31) {
            return; // empty message (ping) or a response
        }
        request(client, ((d[2] & 0xff) << 8) | (d[3] & 0xff));
    }

    public synchronized long requests() {
        return requests;
    }

    /** Retransmissions seen so far. */
    public synchronized long duplicates() {
        return duplicates;
    }

    /** Client endpoints seen so far. */
    public synchronized int clients() {
        return lastSeen.size();
    }
}
