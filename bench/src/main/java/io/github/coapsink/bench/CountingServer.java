package io.github.coapsink.bench;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.server.MessageDeliverer;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/**
 * The one CoAP server every scenario sends to: Californium on 127.0.0.1, a free port, Californium's default protocol
 * settings (its own {@link Configuration}, no file). Every request to any path is answered 2.04 Changed and counted;
 * no resource tree, no request log: per request it parses the record's sequence number from the payload and sets a
 * bit, so it keeps up with the fastest client on this machine.
 *
 * <p>What is counted belongs to the current {@link Phase} (one per scenario and measurement), which expects the
 * sequence numbers {@code [from, from + count)}. Per phase it also keeps each record's first arrival time (for the
 * commit lag), the requests per resource path (fan-out), the request body bytes per record (the record ids are read
 * per the request's Content-Format, {@link Users#forEachId(byte[], int, java.util.function.IntConsumer)}), and the
 * retransmitted confirmable requests: an interceptor
 * sees every datagram before Californium's de-duplication drops the duplicates ({@link DuplicateMids}).
 */
public final class CountingServer implements AutoCloseable {

    static final int RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

    private final CoapServer server;
    private final CoapEndpoint endpoint;
    private volatile Phase phase = new Phase(0, 0, false);
    private final AtomicLong requestsTotal = new AtomicLong();

    public CountingServer() {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
        // The one deviation from the defaults: a receive buffer that holds a full window of requests from every
        // client (the OS default, ~208 KiB, drops bursts of a few hundred datagrams; the kernel caps this at
        // net.core.rmem_max, 4 MiB here). The server must not be what limits any scenario.
        config.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, RECEIVE_BUFFER_BYTES);
        config.set(UdpConfig.UDP_SEND_BUFFER_SIZE, RECEIVE_BUFFER_BYTES);
        // Batched requests (connect.coap.batch.max.records) may arrive block-wise.
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 8 * 1024 * 1024);
        endpoint = new CoapEndpoint.Builder()
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0))
                .setConfiguration(config)
                .build();
        endpoint.addInterceptor(new MessageInterceptorAdapter() {
            @Override
            public void receiveRequest(Request request) {
                if (request.getType() == CoAP.Type.CON) {
                    phase.retransmissions.request(request.getSourceContext().getPeerAddress(), request.getMID());
                }
            }
        });
        server = new CoapServer(config);
        server.addEndpoint(endpoint);
        server.setMessageDeliverer(new MessageDeliverer() {
            @Override
            public void deliverRequest(Exchange exchange) {
                requestsTotal.incrementAndGet();
                Phase current = phase;
                current.path(exchange.getRequest().getOptions().getUriPathString());
                byte[] payload = exchange.getRequest().getPayload();
                int[] records = new int[1];
                Users.forEachId(payload, exchange.getRequest().getOptions().getContentFormat(), id -> {
                    records[0]++;
                    current.receive(id);
                });
                current.payload(payload.length, records[0]);
                exchange.sendResponse(new Response(ResponseCode.CHANGED));
            }

            @Override
            public void deliverResponse(Exchange exchange, Response response) {
                // a server only
            }
        });
        server.start();
    }

    public int port() {
        return endpoint.getAddress().getPort();
    }

    /** {@code coap://127.0.0.1:port} */
    public String uri() {
        return "coap://127.0.0.1:" + port();
    }

    /** Requests received since start, all phases. */
    public long requestsTotal() {
        return requestsTotal.get();
    }

    /** Starts counting a new phase; what arrives for earlier phases is ignored from now on. */
    public Phase begin(int from, int count, boolean latency) {
        Phase p = new Phase(from, count, latency);
        phase = p;
        return p;
    }

    @Override
    public void close() {
        server.destroy();
    }

    /** Counts of one measurement. Thread-safe. */
    public static final class Phase {
        private final int from;
        private final int count;
        private final BitSet seen;
        private final long[] createdNanos;
        private final long[] latencyNanos;
        private final long[] arrivalNanos;
        private final ConcurrentHashMap<String, LongAdder> paths = new ConcurrentHashMap<>();
        final DuplicateMids retransmissions = new DuplicateMids();
        private int distinct;
        private long duplicates;
        private long foreign;
        private long firstNanos;
        private long lastNewNanos;
        private long completeNanos;
        private long payloadBytes;
        private long payloadRecords;

        Phase(int from, int count, boolean latency) {
            this.from = from;
            this.count = count;
            this.seen = new BitSet(count);
            this.createdNanos = latency ? new long[count] : null;
            this.latencyNanos = latency ? new long[count] : null;
            this.arrivalNanos = new long[count];
        }

        void path(String path) {
            paths.computeIfAbsent(path, p -> new LongAdder()).increment();
        }

        /** Distinct resource paths requested in this phase. */
        public int distinctPaths() {
            return paths.size();
        }

        /** Retransmitted CON requests seen in this phase (same client endpoint and message ID again). */
        public long retransmissions() {
            return retransmissions.duplicates();
        }

        /** nanoTime at which record {@code id} first arrived; 0 if it has not. */
        public synchronized long arrivalNanos(int id) {
            int i = id - from;
            return i < 0 || i >= count ? 0 : arrivalNanos[i];
        }

        /**
         * For latency phases: the monotonic time at which record {@code id} got its timestamp (the producer takes
         * the Kafka timestamp and this at the same moment). Call before the record can arrive.
         */
        public synchronized void created(int id, long nanos) {
            createdNanos[id - from] = nanos;
        }

        void receive(int id) {
            long now = System.nanoTime();
            synchronized (this) {
                int i = id - from;
                if (id < 0 || i < 0 || i >= count) {
                    foreign++;
                    return;
                }
                if (seen.get(i)) {
                    duplicates++;
                    return;
                }
                seen.set(i);
                arrivalNanos[i] = now;
                if (distinct == 0) {
                    firstNanos = now;
                }
                if (latencyNanos != null) {
                    latencyNanos[distinct] = now - createdNanos[i];
                }
                distinct++;
                lastNewNanos = now;
                if (distinct == count) {
                    completeNanos = now;
                    notifyAll();
                }
            }
        }

        synchronized void payload(int bytes, int records) {
            payloadBytes += bytes;
            payloadRecords += records;
        }

        /** Mean request body bytes per record received (a batch's framing shared out); NaN if none. */
        public synchronized double bytesPerRecord() {
            return payloadRecords == 0 ? Double.NaN : (double) payloadBytes / payloadRecords;
        }

        public synchronized int distinct() {
            return distinct;
        }

        public synchronized long duplicates() {
            return duplicates;
        }

        public synchronized long foreign() {
            return foreign;
        }

        /** nanoTime of the first distinct record; 0 if none. */
        public synchronized long firstNanos() {
            return firstNanos;
        }

        /** nanoTime of the latest new distinct record; 0 if none. */
        public synchronized long lastNewNanos() {
            return lastNewNanos;
        }

        /** nanoTime at which the last expected record arrived; 0 while incomplete. */
        public synchronized long completeNanos() {
            return completeNanos;
        }

        public synchronized boolean complete() {
            return distinct == count;
        }

        /** Waits up to {@code millis} for completion. */
        public synchronized boolean awaitComplete(long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (distinct < count) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
        }

        /** Latency percentile (0..100) in milliseconds over the records received so far; NaN if none. */
        public synchronized double latencyMillis(double percentile) {
            if (latencyNanos == null || distinct == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(latencyNanos, distinct);
            Arrays.sort(sorted);
            int idx = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
        }
    }
}
