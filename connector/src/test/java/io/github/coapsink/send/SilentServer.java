package io.github.coapsink.send;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A UDP socket on loopback that never answers and keeps every datagram it receives. */
final class SilentServer implements AutoCloseable {

    private final DatagramSocket socket;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final Thread reader;

    SilentServer() throws SocketException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        reader = new Thread(() -> {
            byte[] buffer = new byte[2048];
            while (!socket.isClosed()) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (IOException e) {
                    return;
                }
                received.add(Arrays.copyOf(packet.getData(), packet.getLength()));
            }
        }, "silent-server");
        reader.setDaemon(true);
        reader.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    String uri() {
        return "coap://127.0.0.1:" + port();
    }

    /** Datagrams received so far. */
    int count() {
        return received.size();
    }

    List<byte[]> datagrams() {
        return List.copyOf(received);
    }

    /** The CoAP message ID of every datagram received, in order. */
    List<Integer> messageIds() {
        return received.stream().map(d -> ((d[2] & 0xff) << 8) | (d[3] & 0xff)).toList();
    }

    @Override
    public void close() {
        socket.close();
    }
}
