package io.github.coapsink.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/**
 * Scenario (d), the raw limit: Californium clients alone, no Kafka. {@code endpoints} client endpoints used
 * round-robin (each its own UDP port and message-ID space, Californium default settings except, optionally, the
 * UDP socket buffers), at most {@code window} confirmable PUTs unanswered at any time (a semaphore), sent from
 * {@code threads} threads, the same payload bytes as the sink sends. An endpoint sends at most
 * {@value #REQUESTS_PER_ENDPOINT} requests (its message IDs last ~65k per EXCHANGE_LIFETIME); then the next
 * generation of fresh endpoints takes over, as the sink's endpoint pool does.
 */
public final class RawClient implements AutoCloseable {
    static final int REQUESTS_PER_ENDPOINT = 55_000;

    private final List<CoapEndpoint> endpoints = new ArrayList<>();
    private final int endpointCount;
    private final int udpBufferBytes;
    private final int threads;
    private final String uri;
    private final Semaphore window;
    private final int windowSize;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    public RawClient(String resourceUri, int endpointCount, int windowSize, int udpBufferBytes) {
        this(resourceUri, endpointCount, windowSize, udpBufferBytes, 1);
    }

    public RawClient(String resourceUri, int endpointCount, int windowSize, int udpBufferBytes, int threads) {
        this.uri = resourceUri;
        this.windowSize = windowSize;
        this.window = new Semaphore(windowSize);
        this.endpointCount = endpointCount;
        this.udpBufferBytes = udpBufferBytes;
        this.threads = threads;
        for (int i = 0; i < endpointCount; i++) {
            endpoints.add(newEndpoint());
        }
    }

    private synchronized CoapEndpoint endpoint(int requestIndex) {
        int generation = requestIndex / (endpointCount * REQUESTS_PER_ENDPOINT);
        int k = generation * endpointCount + requestIndex % endpointCount;
        while (endpoints.size() <= k) {
            endpoints.add(newEndpoint());
        }
        return endpoints.get(k);
    }

    private CoapEndpoint newEndpoint() {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
        if (udpBufferBytes > 0) {
            config.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, udpBufferBytes);
            config.set(UdpConfig.UDP_SEND_BUFFER_SIZE, udpBufferBytes);
        }
        CoapEndpoint e = new CoapEndpoint.Builder()
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0))
                .setConfiguration(config)
                .build();
        try {
            e.start();
        } catch (java.io.IOException ex) {
            throw new IllegalStateException("cannot start client endpoint", ex);
        }
        return e;
    }

    /**
     * Sends {@code payloads[0..n)}; {@code pacer} may delay each send (fixed-rate phases) and is told the index before
     * the send. Returns when all were answered or failed, or the deadline passed, or a send failed hard (e.g.
     * message IDs exhausted).
     */
    public void send(byte[][] payloads, int n, Pacer pacer, long deadlineNanos) throws InterruptedException {
        if (threads <= 1 || pacer != null) {
            sendRange(payloads, 0, n, 1, pacer, deadlineNanos);
        } else {
            List<Thread> senders = new ArrayList<>();
            AtomicReference<InterruptedException> interrupted = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    try {
                        sendRange(payloads, first, n, threads, null, deadlineNanos);
                    } catch (InterruptedException e) {
                        interrupted.set(e);
                    }
                }, "raw-sender-" + t);
                th.start();
                senders.add(th);
            }
            for (Thread th : senders) {
                th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()) + 5_000));
            }
            if (interrupted.get() != null) {
                throw interrupted.get();
            }
        }
        // drain: wait for the window to empty (bounded by the deadline)
        while (!window.tryAcquire(windowSize, 100, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadlineNanos) {
                return;
            }
        }
        window.release(windowSize);
    }

    private void sendRange(byte[][] payloads, int first, int n, int step, Pacer pacer, long deadlineNanos)
            throws InterruptedException {
        URI target = URI.create(uri);
        for (int i = first; i < n; i += step) {
            if (System.nanoTime() > deadlineNanos || firstError.get() != null) {
                break;
            }
            if (pacer != null) {
                pacer.before(i);
            }
            while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadlineNanos || firstError.get() != null) {
                    return;
                }
            }
            Request request = Request.newPut();
            request.setURI(target);
            request.setPayload(payloads[i]);
            request.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
            request.addMessageObserver(new MessageObserverAdapter() {
                @Override
                public void onResponse(Response response) {
                    if (response.isSuccess()) {
                        ok.incrementAndGet();
                    } else {
                        fail("answered " + response.getCode());
                    }
                    window.release();
                }

                @Override
                public void onRetransmission() {
                    retransmissions.incrementAndGet();
                }

                @Override
                public void onTimeout() {
                    fail("timeout");
                    window.release();
                }

                @Override
                public void onReject() {
                    fail("rejected");
                    window.release();
                }

                @Override
                public void onCancel() {
                    fail("cancelled");
                    window.release();
                }

                @Override
                public void onSendError(Throwable error) {
                    fail(String.valueOf(error));
                    window.release();
                }
            });
            try {
                endpoint(i).sendRequest(request);
            } catch (RuntimeException e) {
                fail(e.toString());
                window.release();
                break;
            }
        }
    }

    private void fail(String what) {
        failed.incrementAndGet();
        firstError.compareAndSet(null, what + " (after " + ok.get() + " answered)");
    }

    public long answered() {
        return ok.get();
    }

    /** Retransmissions the client made (Californium's MessageObserver#onRetransmission). */
    public long retransmissions() {
        return retransmissions.get();
    }

    public long failed() {
        return failed.get();
    }

    public String firstError() {
        return firstError.get();
    }

    @Override
    public synchronized void close() {
        endpoints.forEach(CoapEndpoint::destroy);
    }

    /** Called before each send. */
    @FunctionalInterface
    public interface Pacer {
        void before(int index) throws InterruptedException;
    }
}
