package io.github.coapsink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A round trip on loopback: a UDP relay on 127.0.0.1 that delays every datagram by {@code oneWay} in each
 * direction (netem is not available on these machines). Clients talk to {@link #address()}; the relay forwards
 * to the server from one upstream socket per client address, like a NAT, so each client endpoint keeps its own
 * source port at the server (the server's de-duplication and message-ID spaces stay per endpoint) and replies
 * find their way back.
 *
 * <p>Two threads: a receiver that reads every socket through one {@link Selector}, stamps each datagram with its
 * due time (arrival + {@code oneWay}) and appends it to one bounded FIFO; and a sender that waits until the
 * head of the FIFO is due and then sends everything that is due. The delay is the same for every datagram and one
 * thread appends, so due times are in FIFO order: the FIFO is the timer queue (a timer wheel with one slot per
 * datagram, O(1) per datagram). The sender parks only while the head is not yet due, so under load it sends in
 * bursts and is never the bottleneck ({@link #measureCapacity} measures it). Datagrams are never sent early;
 * the sender's wake-up latency makes them tens of microseconds late at most on an idle machine.
 *
 * <p>Bounded: at most {@code maxQueued} datagrams wait (more are dropped and counted), at most
 * {@value #MAX_CLIENTS} client addresses, and the relay closes itself after {@code lifetime}.
 */
public final class DelayRelay implements AutoCloseable {
    static final int MAX_CLIENTS = 4_096;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int DEFAULT_MAX_QUEUED = 500_000;

    private final InetSocketAddress server;
    private final long delayNanos;
    private final long deadlineNanos;
    private final DatagramChannel front;
    private final Selector selector;
    private final int port;
    private final AtomicInteger clients = new AtomicInteger();
    private final BlockingQueue<Datagram> queue;
    private final Map<InetSocketAddress, DatagramChannel> upstreams = new HashMap<>(); // receiver thread only
    private final DuplicateMids retransmissions = new DuplicateMids();
    private final AtomicLong forwardedUp = new AtomicLong();
    private final AtomicLong forwardedDown = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread receiver;
    private final Thread sender;
    private volatile boolean closed;

    /** A datagram waiting for its due time, and where it goes out. */
    private record Datagram(long dueNanos, ByteBuffer data, DatagramChannel out, InetSocketAddress to) {
    }

    public DelayRelay(InetSocketAddress server, Duration oneWay, Duration lifetime) {
        this(server, oneWay, lifetime, DEFAULT_MAX_QUEUED);
    }

    DelayRelay(InetSocketAddress server, Duration oneWay, Duration lifetime, int maxQueued) {
        if (oneWay.isNegative()) {
            throw new IllegalArgumentException("negative delay " + oneWay);
        }
        this.server = server;
        this.delayNanos = oneWay.toNanos();
        this.deadlineNanos = System.nanoTime() + lifetime.toNanos();
        this.queue = new ArrayBlockingQueue<>(maxQueued);
        try {
            selector = Selector.open();
            front = open();
            front.register(selector, SelectionKey.OP_READ, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the relay's sockets", e);
        }
        port = front.socket().getLocalPort();
        receiver = new Thread(this::receiveLoop, "delay-relay-" + port + "-rx");
        sender = new Thread(this::sendLoop, "delay-relay-" + port + "-tx");
        receiver.setDaemon(true);
        sender.setDaemon(true);
        receiver.start();
        sender.start();
    }

    private static DatagramChannel open() throws IOException {
        DatagramChannel c = DatagramChannel.open();
        c.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        c.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        c.configureBlocking(false);
        return c;
    }

    /** Where clients send: 127.0.0.1 and the relay's port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code coap://127.0.0.1:<port>} */
    public String uri() {
        return "coap://127.0.0.1:" + port;
    }

    /** The delay added in each direction. */
    public Duration oneWay() {
        return Duration.ofNanos(delayNanos);
    }

    /** False once closed (by {@link #close()} or the lifetime) and both threads have ended. */
    public boolean isRunning() {
        return receiver.isAlive() || sender.isAlive();
    }

    /** Retransmitted CON requests seen on their way to the server (same client endpoint, same message ID). */
    public DuplicateMids retransmissions() {
        return retransmissions;
    }

    public long forwardedUp() {
        return forwardedUp.get();
    }

    public long forwardedDown() {
        return forwardedDown.get();
    }

    /** Datagrams dropped because the queue was full, a client limit was hit, or a socket refused them. */
    public long dropped() {
        return dropped.get();
    }

    /** Client addresses seen, i.e. upstream sockets opened. */
    public int clients() {
        return clients.get();
    }

    public String stats() {
        return String.format(Locale.ROOT, "%,d up, %,d down, %,d dropped, %d client(s), %,d retransmission(s)",
                forwardedUp(), forwardedDown(), dropped(), clients(), retransmissions.duplicates());
    }

    private boolean expired() {
        return closed || System.nanoTime() - deadlineNanos > 0;
    }

    // ---------------------------------------------------------------- receiver: all sockets, one selector

    private void receiveLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        try {
            while (!expired()) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isReadable()) {
                        drain((DatagramChannel) key.channel(), (InetSocketAddress) key.attachment(), buf);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("delay relay " + uri() + " stopped: " + e);
            }
        } finally {
            closed = true;
            LockSupport.unpark(sender);
        }
    }

    /** Reads every datagram waiting on {@code channel}; {@code client} is null for the front socket. */
    private void drain(DatagramChannel channel, InetSocketAddress client, ByteBuffer buf) throws IOException {
        InetSocketAddress from;
        buf.clear();
        while ((from = (InetSocketAddress) channel.receive(buf)) != null) {
            long due = System.nanoTime() + delayNanos;
            buf.flip();
            ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
            copy.put(buf).flip();
            buf.clear();
            Datagram d;
            if (client == null) { // client → server
                DatagramChannel up = upstream(from);
                if (up == null) {
                    dropped.incrementAndGet();
                    continue;
                }
                retransmissions.datagram(from, copy.array(), copy.remaining());
                d = new Datagram(due, copy, up, server);
            } else { // server → the client this upstream socket belongs to
                d = new Datagram(due, copy, front, client);
            }
            boolean wasEmpty = queue.isEmpty();
            if (!queue.offer(d)) {
                dropped.incrementAndGet();
            } else if (wasEmpty) {
                LockSupport.unpark(sender);
            }
        }
    }

    private DatagramChannel upstream(InetSocketAddress client) throws IOException {
        DatagramChannel up = upstreams.get(client);
        if (up == null && upstreams.size() < MAX_CLIENTS) {
            up = open();
            up.register(selector, SelectionKey.OP_READ, client);
            upstreams.put(client, up);
            clients.incrementAndGet();
        }
        return up;
    }

    // ---------------------------------------------------------------- sender: the head of the FIFO when it is due

    private void sendLoop() {
        try {
            while (!expired()) {
                Datagram d = queue.peek();
                if (d == null) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // unparked when something arrives
                    continue;
                }
                long wait = d.dueNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                queue.poll();
                send(d);
            }
        } finally {
            closeChannels();
        }
    }

    private void send(Datagram d) {
        try {
            // non-blocking: 0 means the socket's send buffer is full; retry briefly, then count it as dropped
            for (int attempt = 0; attempt < 1_000; attempt++) {
                if (d.out.send(d.data, d.to) > 0) {
                    (d.out == front ? forwardedDown : forwardedUp).incrementAndGet();
                    return;
                }
                LockSupport.parkNanos(10_000);
            }
            dropped.incrementAndGet();
        } catch (ClosedChannelException e) {
            dropped.incrementAndGet();
        } catch (IOException e) {
            dropped.incrementAndGet(); // e.g. ICMP port unreachable reported on a later send
        }
    }

    private synchronized void closeChannels() {
        closed = true;
        selector.wakeup();
        try {
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(front);
        // the receiver has ended: nobody else touches the map now
        upstreams.values().forEach(DelayRelay::closeQuietly);
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void closeQuietly(DatagramChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Stops both threads and closes every socket; waits (at most a few seconds) until they are gone. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        LockSupport.unpark(sender);
        try {
            sender.join(10_000);
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- capacity

    /**
     * The relay's own limit: {@code count} datagrams of {@code size} bytes from one client through a relay with
     * {@code oneWay} delay to an echo socket and back, at most {@code window} unanswered, as fast as they go.
     * Returns round trips per second (each is one datagram forwarded in each direction), or NaN if not all came
     * back within {@code timeout}.
     */
    public static Capacity measureCapacity(Duration oneWay, int count, int size, int window, Duration timeout)
            throws IOException {
        try (DatagramChannel echo = DatagramChannel.open();
             DatagramChannel client = DatagramChannel.open()) {
            echo.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            echo.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            Thread echoer = new Thread(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(MAX_DATAGRAM);
                try {
                    for (int i = 0; i < count; i++) {
                        b.clear();
                        var from = echo.receive(b);
                        b.flip();
                        echo.send(b, from);
                    }
                } catch (IOException e) {
                    // closed at the end or on timeout
                }
            }, "relay-capacity-echo");
            echoer.setDaemon(true);
            echoer.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            try (DelayRelay relay = new DelayRelay((InetSocketAddress) echo.getLocalAddress(), oneWay, timeout)) {
                client.configureBlocking(false);
                ByteBuffer out = ByteBuffer.allocate(size);
                ByteBuffer in = ByteBuffer.allocateDirect(MAX_DATAGRAM);
                int sent = 0;
                int received = 0;
                long t0 = System.nanoTime();
                while (received < count && System.nanoTime() < deadline) {
                    boolean progress = false;
                    while (sent < count && sent - received < window) {
                        out.clear();
                        out.putInt(0, sent);
                        if (client.send(out, relay.address()) == 0) {
                            break;
                        }
                        sent++;
                        progress = true;
                    }
                    in.clear();
                    while (client.receive(in) != null) {
                        received++;
                        in.clear();
                        progress = true;
                    }
                    if (!progress) {
                        LockSupport.parkNanos(20_000);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                return new Capacity(count, received, received == count ? received / seconds : Double.NaN,
                        relay.dropped());
            } finally {
                echo.close();
            }
        }
    }

    /** What {@link #measureCapacity} measured. */
    public record Capacity(int sent, int received, double roundTripsPerSecond, long relayDropped) {
        @Override
        public String toString() {
            return Double.isNaN(roundTripsPerSecond)
                    ? String.format(Locale.ROOT, "only %,d of %,d datagrams came back (%,d dropped by the relay)",
                            received, sent, relayDropped)
                    : String.format(Locale.ROOT, "%,.0f round trips/s (%,.0f datagrams/s through it), %,d datagrams",
                            roundTripsPerSecond, 2 * roundTripsPerSecond, sent);
        }
    }
}
