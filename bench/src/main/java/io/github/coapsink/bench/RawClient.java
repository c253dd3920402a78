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
 * Scenario (d), the raw limit: Californium clients alone, no Kafka. {@code endpoints} client endpoints (each its own
 * UDP port and message-ID space, Californium default settings except, optionally, the UDP socket buffers), requests spread round-robin, at most {@code window}
 * confirmable PUTs unanswered at any time (a semaphore), the same payload bytes as the sink sends.
 */
public final class RawClient implements AutoCloseable {
    private final List<CoapEndpoint> endpoints = new ArrayList<>();
    private final String uri;
    private final Semaphore window;
    private final int windowSize;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    public RawClient(String resourceUri, int endpointCount, int windowSize, int udpBufferBytes) {
        this.uri = resourceUri;
        this.windowSize = windowSize;
        this.window = new Semaphore(windowSize);
        for (int i = 0; i < endpointCount; i++) {
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
            endpoints.add(e);
        }
    }

    /**
     * Sends {@code payloads[0..n)}; {@code pacer} may delay each send (fixed-rate phases) and is told the index before
     * the send. Returns when all were answered or failed, or the deadline passed, or a send failed hard (e.g.
     * message IDs exhausted).
     */
    public void send(byte[][] payloads, int n, Pacer pacer, long deadlineNanos) throws InterruptedException {
        URI target = URI.create(uri);
        for (int i = 0; i < n; i++) {
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
                endpoints.get(i % endpoints.size()).sendRequest(request);
            } catch (RuntimeException e) {
                fail(e.toString());
                window.release();
                break;
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

    private void fail(String what) {
        failed.incrementAndGet();
        firstError.compareAndSet(null, what + " (after " + ok.get() + " answered)");
    }

    public long answered() {
        return ok.get();
    }

    public long failed() {
        return failed.get();
    }

    public String firstError() {
        return firstError.get();
    }

    @Override
    public void close() {
        endpoints.forEach(CoapEndpoint::destroy);
    }

    /** Called before each send. */
    @FunctionalInterface
    public interface Pacer {
        void before(int index) throws InterruptedException;
    }
}
