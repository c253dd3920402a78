package io.github.coapsink.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback UDP relay that loses datagrams: the sink talks to {@link #address()}, the relay
 * forwards to the server through one upstream socket per sink source address (so replies find
 * their way back) and drops {@code lossRatio} of the datagrams in each direction, decided by a
 * seeded {@link Random}. {@link #rebind()} moves every upstream socket to a new port, as a NAT does when
 * a binding expires. It closes itself after {@code lifetime} at the latest.
 */
final class LossyUdpRelay implements AutoCloseable {

    private static final int MAX_DATAGRAM = 65_535;
    private static final int POLL_MILLIS = 200;

    private final InetSocketAddress server;
    private final DatagramSocket front;
    private final Random random;
    private final long deadlineNanos;
    private final Map<InetSocketAddress, DatagramSocket> upstreams = new ConcurrentHashMap<>();
    /** Held while a datagram goes up, so that {@link #rebind()} never closes the socket it is sent from. */
    private final Object upstreamLock = new Object();
    private final AtomicLong forwardedUp = new AtomicLong();
    private final AtomicLong droppedUp = new AtomicLong();
    private final AtomicLong forwardedDown = new AtomicLong();
    private final AtomicLong droppedDown = new AtomicLong();
    private volatile double lossRatio;
    private volatile boolean closed;

    LossyUdpRelay(InetSocketAddress server, double lossRatio, long seed, Duration lifetime) {
        this.server = server;
        this.lossRatio = lossRatio;
        this.random = new Random(seed);
        this.deadlineNanos = System.nanoTime() + lifetime.toNanos();
        try {
            front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            front.setSoTimeout(POLL_MILLIS);
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(this::frontLoop, "lossy-relay-front");
        t.setDaemon(true);
        t.start();
    }

    /** {@code coap://127.0.0.1:<port>}: the URI the sink is given instead of the server's. */
    String uri() {
        return "coap://127.0.0.1:" + front.getLocalPort();
    }

    /** {@code coaps://<host>:<port>}: the relay's address for DTLS, under a name that resolves to loopback. */
    String secureUri(String host) {
        return "coaps://" + host + ":" + front.getLocalPort();
    }

    /**
     * A NAT rebinding: from now on the datagrams of every sink address reach the server from a new source
     * port, and the server's datagrams to the old port are lost.
     *
     * @return the new source ports
     */
    List<Integer> rebind() {
        List<Integer> ports = new ArrayList<>();
        synchronized (upstreamLock) {
            for (Map.Entry<InetSocketAddress, DatagramSocket> e : upstreams.entrySet()) {
                DatagramSocket old = e.getValue();
                DatagramSocket fresh = openUpstream(e.getKey());
                e.setValue(fresh);
                old.close();
                ports.add(fresh.getLocalPort());
            }
        }
        return ports;
    }

    void lossRatio(double ratio) {
        this.lossRatio = ratio;
    }

    private synchronized boolean drop() {
        return random.nextDouble() < lossRatio;
    }

    private boolean expired() {
        return closed || System.nanoTime() - deadlineNanos > 0;
    }

    private void frontLoop() {
        byte[] buf = new byte[MAX_DATAGRAM];
        try {
            while (!expired()) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    front.receive(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                InetSocketAddress client = (InetSocketAddress) in.getSocketAddress();
                if (drop()) {
                    droppedUp.incrementAndGet();
                    continue;
                }
                synchronized (upstreamLock) {
                    DatagramSocket up = upstreams.computeIfAbsent(client, this::openUpstream);
                    up.send(new DatagramPacket(in.getData(), in.getOffset(), in.getLength(), server));
                }
                forwardedUp.incrementAndGet();
            }
        } catch (IOException e) {
            if (!closed) {
                throw new UncheckedIOException(e);
            }
        } finally {
            close();
        }
    }

    private DatagramSocket openUpstream(InetSocketAddress client) {
        try {
            DatagramSocket up = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            up.setSoTimeout(POLL_MILLIS);
            Thread t = new Thread(() -> backLoop(up, client), "lossy-relay-back-" + client.getPort());
            t.setDaemon(true);
            t.start();
            return up;
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void backLoop(DatagramSocket up, InetSocketAddress client) {
        byte[] buf = new byte[MAX_DATAGRAM];
        try {
            while (!expired()) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    up.receive(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (drop()) {
                    droppedDown.incrementAndGet();
                    continue;
                }
                front.send(new DatagramPacket(in.getData(), in.getOffset(), in.getLength(), client));
                forwardedDown.incrementAndGet();
            }
        } catch (IOException e) {
            // closed
        } finally {
            up.close();
        }
    }

    /** Datagrams forwarded and dropped, sink to server and back. */
    String stats() {
        return String.format("to server: %d forwarded, %d dropped; to sink: %d forwarded, %d dropped",
                forwardedUp.get(), droppedUp.get(), forwardedDown.get(), droppedDown.get());
    }

    long dropped() {
        return droppedUp.get() + droppedDown.get();
    }

    @Override
    public void close() {
        closed = true;
        front.close();
        upstreams.values().forEach(DatagramSocket::close);
    }
}
