package io.github.coapsink.quickstart;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free ports on 127.0.0.1 and "is it free again" checks. */
final class Ports {
    private Ports() {
    }

    static int freeTcp() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freeUdp() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertTcpFree(int port) {
        assertThatCode(() -> {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }).as("TCP port %d is free again", port).doesNotThrowAnyException();
    }

    static void assertUdpFree(int port) {
        assertThatCode(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                s.getLocalPort();
            }
        }).as("UDP port %d is free again", port).doesNotThrowAnyException();
    }
}
