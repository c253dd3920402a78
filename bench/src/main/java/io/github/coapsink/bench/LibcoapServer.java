package io.github.coapsink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/**
 * libcoap's example server ({@code coap-server-notls}, Debian's libcoap3-bin) as a second, independent CoAP server:
 * a child process on 127.0.0.1 and a free port, {@code -v 0} (no logging), {@code -d} so that a PUT to any path
 * creates the resource (2.01) and later PUTs replace it (2.04). It counts nothing: runs against it are measured by
 * the consumer group's committed offsets (the sink) or the client's answers (raw), and retransmissions only where
 * the delay relay sits in between.
 */
public final class LibcoapServer implements AutoCloseable {
    static final String BINARY = "coap-server-notls";
    /** Dynamic resources it may create: the fan-out's 1,000 paths and then some. */
    static final int MAX_RESOURCES = 4_000;

    private final Process process;
    private final int port;

    private LibcoapServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The binary on the PATH, if installed. */
    public static Optional<Path> binary() {
        String pathEnv = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : pathEnv.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, BINARY);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Starts the server and waits (at most 10 s) until it answers a GET; retries on a port clash. */
    public static LibcoapServer start() {
        Path bin = binary().orElseThrow(() -> new IllegalStateException(BINARY + " is not installed"));
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freeUdpPort();
            Process p;
            try {
                p = new ProcessBuilder(List.of(bin.toString(), "-A", "127.0.0.1", "-p", Integer.toString(port),
                        "-v", "0", "-d", Integer.toString(MAX_RESOURCES)))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + bin, e);
            }
            LibcoapServer s = new LibcoapServer(p, port);
            if (s.awaitAnswering(10_000)) {
                return s;
            }
            s.close();
            last = new IllegalStateException(BINARY + " on port " + port + " did not answer"
                    + (p.isAlive() ? "" : " (exited with " + p.exitValue() + ")"));
        }
        throw last;
    }

    private boolean awaitAnswering(long millis) {
        Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
        CoapEndpoint e = new CoapEndpoint.Builder().setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        CoapClient client = new CoapClient(uri() + "/");
        client.setEndpoint(e);
        client.setTimeout(500L);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    CoapResponse r = client.get();
                    if (r != null) {
                        return true;
                    }
                } catch (Exception ignored) {
                    // not up yet; the GET's own timeout paces the loop
                }
            }
            return false;
        } finally {
            client.shutdown();
            e.destroy();
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public String uri() {
        return "coap://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, then SIGKILL after 5 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
