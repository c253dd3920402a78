package io.github.coapsink.testserver;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * Command line entry point: runs a {@link CoapTestServer} until Ctrl-C.
 *
 * <p>Exit codes: 0 after {@code --help}, 2 for a bad option or a port that cannot be bound.
 */
public final class CoapTestServerMain {

    /** Printed payloads are cut after this many characters. */
    public static final int MAX_PRINTED_PAYLOAD = 200;

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -cp ... io.github.coapsink.testserver.CoapTestServerMain [options]",
            "",
            "A CoAP test server: accepts PUT/POST on any path, answers GET with the stored payloads",
            "(JSON array; GET /path?last for the latest one), DELETE clears, Observe is supported.",
            "",
            "Options:",
            "  --host ADDR              bind address (default 127.0.0.1)",
            "  --port N                 plain CoAP UDP port, 0 = ephemeral, -1 = off (default 5683)",
            "  --dtls-port N            DTLS (coaps) UDP port, 0 = ephemeral, -1 = off (default -1)",
            "  --psk-identity ID        PSK identity for DTLS (enables PSK; needs --psk-secret)",
            "  --psk-secret SECRET      PSK secret (its UTF-8 bytes)",
            "  --cert FILE.pem          DTLS certificate chain (PEM); default: generate EC key + self-signed cert",
            "  --key FILE.pem           DTLS private key (PEM, unencrypted; PKCS#8 or SEC1)",
            "  --history N              payloads kept per path for GET (default 100)",
            "  --unavailable-seconds N  answer PUT/POST with 5.03 for the first N seconds",
            "  --drop-ratio R           silently drop this share (0..1) of incoming PUT/POST messages",
            "  --seed N                 seed of the random generator used for --drop-ratio",
            "  --response-delay-ms N    answer every request N ms late (CON requests get an empty ACK first)",
            "  --respond-with [PATH=]CODE  answer PUT/POST (on PATH, or everywhere) with CODE, e.g. 5.03",
            "                           or sensors/a=4.04 (repeatable)",
            "  --quiet                  do not print the received requests",
            "  --help                   print this help");

    private CoapTestServerMain() {
    }

    /** Thrown for a bad command line; {@link #exitCode()} is what {@code main} exits with. */
    public static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        CliException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public static void main(String[] args) {
        CoapTestServer server;
        try {
            server = start(args, System.out);
        } catch (CliException e) {
            (e.exitCode() == 0 ? System.out : System.err).println(e.getMessage());
            System.exit(e.exitCode());
            return;
        } catch (CoapTestServer.PortUnavailableException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            System.out.println("stopped");
            stopped.countDown();
        }, "coap-test-server-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Parses {@code args}, starts the server and prints its URIs and credentials to {@code out}.
     * The caller owns the returned server and must close it (no shutdown hook is installed here).
     *
     * @throws CliException for {@code --help} (exit code 0, message = usage) or a bad option (exit code 2)
     * @throws CoapTestServer.PortUnavailableException if a port cannot be bound
     */
    public static CoapTestServer start(String[] args, PrintStream out) {
        CoapTestServer.Builder builder = CoapTestServer.builder().port(5683);
        String pskIdentity = null;
        String pskSecret = null;
        String cert = null;
        String key = null;
        long unavailableSeconds = 0;
        double dropRatio = 0;
        Long seed = null;
        long delayMs = 0;
        boolean quiet = false;
        List<String> respondWith = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "--help", "-h" -> throw new CliException(USAGE, 0);
                    case "--quiet", "-q" -> quiet = true;
                    case "--host" -> builder.host(value(args, ++i, option));
                    case "--port" -> builder.port(intValue(args, ++i, option));
                    case "--dtls-port" -> builder.dtlsPort(intValue(args, ++i, option));
                    case "--psk-identity" -> pskIdentity = value(args, ++i, option);
                    case "--psk-secret" -> pskSecret = value(args, ++i, option);
                    case "--cert" -> cert = value(args, ++i, option);
                    case "--key" -> key = value(args, ++i, option);
                    case "--history" -> builder.history(intValue(args, ++i, option));
                    case "--unavailable-seconds" -> unavailableSeconds = intValue(args, ++i, option);
                    case "--drop-ratio" -> dropRatio = doubleValue(args, ++i, option);
                    case "--seed" -> {
                        String v = value(args, ++i, option);
                        try {
                            seed = Long.parseLong(v);
                        } catch (NumberFormatException e) {
                            throw new CliException("--seed needs an integer: " + v, 2);
                        }
                    }
                    case "--response-delay-ms" -> delayMs = intValue(args, ++i, option);
                    case "--respond-with" -> respondWith.add(value(args, ++i, option));
                    default -> throw new CliException("unknown option: " + option + System.lineSeparator()
                            + "try --help", 2);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CliException("error: " + e.getMessage(), 2);
        }
        if ((pskIdentity == null) != (pskSecret == null)) {
            throw new CliException("--psk-identity and --psk-secret must be given together", 2);
        }
        if ((cert == null) != (key == null)) {
            throw new CliException("--cert and --key must be given together", 2);
        }
        if (dropRatio < 0 || dropRatio > 1) {
            throw new CliException("--drop-ratio must be between 0 and 1", 2);
        }
        if (unavailableSeconds < 0 || delayMs < 0) {
            throw new CliException("--unavailable-seconds and --response-delay-ms must be >= 0", 2);
        }
        if (pskIdentity != null) {
            builder.psk(pskIdentity, pskSecret);
        }
        if (seed != null) {
            builder.seed(seed);
        }
        CoapTestServer server;
        try {
            if (cert != null) {
                builder.certificate(Path.of(cert), Path.of(key));
            }
            server = builder.build();
            for (String rule : respondWith) {
                int eq = rule.lastIndexOf('=');
                server.respondWith(eq < 0 ? null : rule.substring(0, eq), responseCode(rule.substring(eq + 1)));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException("error: " + e.getMessage(), 2);
        }
        server.dropRatio(dropRatio).responseDelay(Duration.ofMillis(delayMs));
        if (!quiet) {
            server.onRequest(r -> out.println(format(r)));
        }
        if (unavailableSeconds > 0) {
            server.unavailableFor(Duration.ofSeconds(unavailableSeconds));
        }
        try {
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        printBanner(server, out, pskIdentity != null, unavailableSeconds, dropRatio, delayMs, respondWith);
        return server;
    }

    private static void printBanner(CoapTestServer server, PrintStream out, boolean psk, long unavailableSeconds,
            double dropRatio, long delayMs, List<String> respondWith) {
        out.println("CoAP test server running (Ctrl-C to stop)");
        if (server.plainUri() != null) {
            out.println("  plain: " + server.plainUri());
        }
        if (server.dtlsUri() != null) {
            out.println("  DTLS:  " + server.dtlsUri());
            out.println(psk ? "  PSK identity: " + server.pskIdentity() + " (secret as given)"
                    : "  PSK: off (use --psk-identity/--psk-secret)");
            out.print(indent(server.dtlsCredentials().describe()));
        }
        if (unavailableSeconds > 0) {
            out.println("  fault: 5.03 Service Unavailable for the first " + unavailableSeconds + " s");
        }
        if (dropRatio > 0) {
            out.println("  fault: dropping " + dropRatio + " of PUT/POST messages");
        }
        if (delayMs > 0) {
            out.println("  fault: responses delayed by " + delayMs + " ms");
        }
        for (String rule : respondWith) {
            out.println("  fault: respond-with " + rule);
        }
        out.flush();
    }

    private static String indent(String text) {
        StringBuilder result = new StringBuilder();
        for (String line : text.split("\\R")) {
            result.append("  ").append(line).append(System.lineSeparator());
        }
        return result.toString();
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    /** One line describing a request, as printed by the CLI. */
    public static String format(ReceivedRequest r) {
        StringBuilder line = new StringBuilder();
        line.append(TIME.format(LocalTime.ofInstant(r.receivedAt(), ZoneId.systemDefault()))).append(' ');
        line.append(r.source() == null ? "?" : r.source().getAddress().getHostAddress() + ":" + r.source().getPort());
        if (r.secure()) {
            line.append(" DTLS");
            if (r.peerIdentity() != null) {
                line.append('(').append(r.peerIdentity()).append(')');
            }
        }
        line.append(' ').append(r.method()).append(' ').append(r.type()).append(" /").append(r.path());
        if (!r.query().isEmpty()) {
            line.append('?').append(r.query());
        }
        if (r.contentFormat() >= 0) {
            line.append(" cf=").append(r.contentFormat());
        }
        line.append(" -> ").append(r.dropped() ? "DROPPED" : r.response().text);
        if (r.payloadSize() > 0) {
            line.append(' ').append(r.payloadSize()).append("B ");
            String text = r.payloadText();
            StringBuilder printable = new StringBuilder();
            for (int i = 0; i < text.length() && printable.length() < MAX_PRINTED_PAYLOAD; i++) {
                char c = text.charAt(i);
                printable.append(c < 0x20 || c == 0x7f ? '.' : c);
            }
            line.append(printable);
            if (text.length() > MAX_PRINTED_PAYLOAD) {
                line.append("...");
            }
        }
        return line.toString();
    }

    static ResponseCode responseCode(String text) {
        String t = text.trim();
        ResponseCode code = ResponseCode.valueOfText(t);
        if (code == null) {
            try {
                code = ResponseCode.valueOf(t.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                code = null;
            }
        }
        if (code == null) {
            throw new IllegalArgumentException("unknown CoAP response code: " + text + " (use e.g. 4.04 or NOT_FOUND)");
        }
        return code;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new CliException(option + " needs a value", 2);
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String option) {
        try {
            return Integer.parseInt(value(args, i, option));
        } catch (NumberFormatException e) {
            throw new CliException(option + " needs an integer: " + args[i], 2);
        }
    }

    private static double doubleValue(String[] args, int i, String option) {
        try {
            return Double.parseDouble(value(args, i, option));
        } catch (NumberFormatException e) {
            throw new CliException(option + " needs a number: " + args[i], 2);
        }
    }
}
