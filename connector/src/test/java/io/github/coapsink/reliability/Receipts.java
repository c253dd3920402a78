package io.github.coapsink.reliability;

import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts, per record id, the requests the CoAP test server accepted (answered 2.xx). Records carry
 * {@code "id":N} in their JSON; a second accepted request for the same id is a duplicate.
 */
final class Receipts {

    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

    private final Map<Integer, AtomicInteger> byId = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();

    static Receipts on(CoapTestServer server) {
        Receipts receipts = new Receipts();
        server.onRequest(receipts::record);
        return receipts;
    }

    private void record(ReceivedRequest r) {
        if (!r.success()) {
            return;
        }
        String text = new String(r.payload(), 0, Math.min(r.payload().length, 64), StandardCharsets.UTF_8);
        Matcher m = ID.matcher(text);
        if (m.find()) {
            accepted.incrementAndGet();
            byId.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** Distinct ids accepted so far. */
    int distinct() {
        return byId.size();
    }

    boolean has(int id) {
        return byId.containsKey(id);
    }

    /** Requests accepted (duplicates included). */
    long accepted() {
        return accepted.get();
    }

    /** The figures for the report: sent, delivered (distinct), duplicated (extra accepted requests), lost. */
    Tally tally(String fault, int sent, long elapsedMillis) {
        int delivered = (int) byId.keySet().stream().filter(id -> id >= 0 && id < sent).count();
        Tally t = new Tally(fault, sent, delivered, accepted.get() - byId.size(), sent - delivered, elapsedMillis);
        System.out.println(t);
        return t;
    }

    record Tally(String fault, int sent, int delivered, long duplicated, int lost, long elapsedMillis) {
        @Override
        public String toString() {
            return String.format("RELIABILITY | %s | sent %d | delivered %d | duplicated %d | lost %d | %.1f s",
                    fault, sent, delivered, duplicated, lost, elapsedMillis / 1000.0);
        }
    }
}
