package io.github.coapsink.quickstart;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks up front that the fixed ports can be bound on 127.0.0.1, so a busy port fails in one clear line. */
final class PortCheck {
    static final String HOST = "127.0.0.1";

    private PortCheck() {
    }

    static void requireFreeTcp(int port, String what, String flag) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (IOException e) {
            throw busy("TCP", port, what, flag);
        }
    }

    static void requireFreeUdp(int port, String what, String flag) {
        try (DatagramSocket socket = new DatagramSocket(null)) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (IOException e) {
            throw busy("UDP", port, what, flag);
        }
    }

    static QuickstartException busy(String protocol, int port, String what, String flag) {
        return new QuickstartException("quickstart: " + protocol + " port " + port + " (" + what + ") on " + HOST
                + " is already in use; stop what uses it or choose another port with " + flag + " N",
                QuickstartException.USAGE);
    }
}
