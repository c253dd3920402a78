package io.github.coapsink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libcoap's {@code coap-server-notls} (Debian libcoap3-bin), a CoAP server nobody here wrote, on 127.0.0.1 with
 * dynamic resources (a PUT creates the resource, a GET returns its last payload) and every PDU logged
 * ({@code -v 7}): {@link #requests} reads what arrived from that log. Fails, rather than skips, when the tool is
 * missing: {@code scripts/install-test-deps.sh} installs it.
 */
public final class LibcoapServer implements AutoCloseable {

    public static final String SERVER = "coap-server-notls";
    public static final String CLIENT = "coap-client-notls";
    /** {@code v:1 t:CON c:PUT i:22d3 {01} [ Uri-Port:25683, Uri-Path:r1 ] :: '{"a":1}\x0A'} */
    private static final Pattern PDU = Pattern.compile(
            "v:1 t:(CON|NON) c:([A-Z]+) i:\\p{XDigit}+ \\{\\p{XDigit}*\\} \\[(.*?)\\]( :: '(.*)')?$");

    /** One request as libcoap logged it. */
    public record Request(String type, String method, String path, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Process process;
    private final Path log;
    private final int port;

    private LibcoapServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    public static LibcoapServer start(Path dir) {
        requireTool(SERVER);
        requireTool(CLIENT);
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeUdpPort();
            Path log = dir.resolve("libcoap-" + port + ".log");
            Process process;
            try {
                process = new ProcessBuilder(SERVER, "-A", "127.0.0.1", "-p", String.valueOf(port), "-d", "200",
                        "-v", "7").redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LibcoapServer server = new LibcoapServer(process, log, port);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive() || !bindable(port));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            if (process.isAlive()) {
                return server;
            }
            server.close(); // the port was taken meanwhile: try another
        }
        throw new IllegalStateException(SERVER + " did not start on a free port in 5 attempts");
    }

    public String uri() {
        return "coap://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Every request libcoap logged so far, in order of arrival. */
    public List<Request> requests() {
        List<Request> out = new ArrayList<>();
        for (String line : logLines()) {
            Matcher m = PDU.matcher(line);
            if (m.find()) {
                out.add(new Request(m.group(1), m.group(2), path(m.group(3)), m.group(5) == null ? new byte[0]
                        : unescape(m.group(5))));
            }
        }
        return out;
    }

    /** The requests to one path (resource segments joined with '/'). */
    public List<Request> requests(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).toList();
    }

    /** GETs a resource with coap-client-notls: what libcoap stored for it. */
    public String get(String path) {
        try {
            Process client = new ProcessBuilder(CLIENT, "-m", "get", "-B", "10", uri() + "/" + path)
                    .redirectErrorStream(true).start();
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("coap-client-notls finished").isTrue();
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GETs a resource with {@code coap-client-notls -o}: the exact bytes libcoap stored (binary bodies too). */
    public byte[] getBytes(String path) {
        try {
            Path out = log.resolveSibling("get-" + port + "-" + path.replaceAll("[^A-Za-z0-9]", "_") + ".bin");
            Process client = new ProcessBuilder(CLIENT, "-m", "get", "-B", "10", "-o", out.toString(),
                    uri() + "/" + path).redirectErrorStream(true).start();
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("coap-client-notls finished").isTrue();
            assertThat(client.exitValue()).as(new String(client.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8)).isZero();
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String logText() {
        return String.join("\n", logLines());
    }

    private List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String path(String options) {
        List<String> segments = new ArrayList<>();
        Matcher m = Pattern.compile("Uri-Path:([^,]*)").matcher(options);
        while (m.find()) {
            segments.add(m.group(1).trim());
        }
        return String.join("/", segments);
    }

    /** libcoap prints printable ASCII as is and every other byte as \xNN. */
    private static byte[] unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 3 < text.length() && text.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean bindable(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireTool(String tool) {
        String path = System.getenv("PATH");
        boolean found = false;
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                found |= Files.isExecutable(Path.of(d, tool));
            }
        }
        assertThat(found).as(tool + " is not installed: install Debian's libcoap3-bin (scripts/install-test-deps.sh)")
                .isTrue();
    }
}
