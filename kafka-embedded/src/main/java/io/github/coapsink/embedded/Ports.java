package io.github.coapsink.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free-port lookup on 127.0.0.1 (bind to port 0, read it, close). Callers retry on a lost race. */
final class Ports {
    static final String HOST = "127.0.0.1";

    private Ports() {
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        }
    }

    static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.BindException) {
                return true;
            }
            String msg = c.getMessage();
            if (msg != null && (msg.contains("Address already in use") || msg.contains("failed to bind"))) {
                return true;
            }
        }
        return false;
    }
}
