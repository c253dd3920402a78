package io.github.coapsink.quickstart;

import io.github.coapsink.testserver.CoapTestServerMain;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point of {@code ./quickstart.sh}: the demo (default), {@code produce}, {@code standalone} and
 * {@code server}. Exit codes: 0 ok, 1 failure (e.g. samples did not arrive), 2 bad option or busy port.
 */
public final class Quickstart {
    static final String HOME_PROPERTY = "quickstart.home";

    private Quickstart() {
    }

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        // Before the first logger: the demo keeps Kafka quiet, standalone logs like connect-standalone.sh.
        System.setProperty("log4j2.configurationFile",
                "standalone".equals(mode) ? "quickstart-log4j2-standalone.xml" : "quickstart-log4j2.xml");
        PrintStream out = System.out;
        Path home = Path.of(System.getProperty(HOME_PROPERTY, ".")).toAbsolutePath().normalize();
        try {
            switch (mode) {
                case "produce" -> Produce.run(rest, out);
                case "standalone" -> Standalone.run(rest, home, out);
                case "server" -> CoapTestServerMain.main(rest);
                default -> System.exit(runDemo(DemoOptions.parse(args), home, out));
            }
        } catch (QuickstartException e) {
            (e.exitCode() == 0 ? System.out : System.err).println(e.getMessage());
            System.exit(e.exitCode());
        }
    }

    static int runDemo(DemoOptions options, Path home, PrintStream out) {
        PluginArchive archive = PluginArchive.locate(home);
        Demo demo = new Demo(options, archive, out);
        stopOnSignal(demo, "INT", out);
        stopOnSignal(demo, "TERM", out);
        // Fallback for other ways out (SIGHUP, System.exit); Connect's own shutdown hook then races with it.
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "quickstart-shutdown"));
        try {
            demo.start();
            if (!options.exitAfterSamples) {
                int n = demo.awaitSamples(options.timeout);
                summary(out, demo, n);
                demo.printHowTo();
                Thread.currentThread().join(); // until Ctrl-C: the shutdown hook stops everything
                return 0;
            }
            int n = demo.awaitSamples(options.timeout);
            summary(out, demo, n);
            demo.close();
            return n == demo.sampleCount() && demo.arrivedSecure() == demo.sampleCount() ? 0 : 1;
        } catch (QuickstartException e) {
            demo.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException | AssertionError e) {
            out.println("quickstart: failed: " + e);
            demo.close();
            return 1;
        }
    }

    /**
     * Ctrl-C / SIGTERM stop the demo in order (connector, worker, broker, server, temp data) before the JVM's
     * shutdown hooks run: the Connect runtime registers its own hook, which would stop the worker concurrently with
     * ours (its REST API first, so deleting the connector would then time out).
     */
    private static void stopOnSignal(Demo demo, String name, PrintStream out) {
        SignalHandler before = Signal.handle(new Signal(name), signal -> {
            Thread stopper = new Thread(() -> {
                demo.close();
                System.exit(128 + signal.getNumber());
            }, "quickstart-stop-on-SIG" + name);
            stopper.start();
        });
        if (before == SignalHandler.SIG_IGN) {
            // The JVM keeps a signal that was ignored when it started ignored (so that nohup works), and installs
            // no handler: say so rather than have Ctrl-C do nothing.
            out.println("quickstart: SIG" + name + " is ignored by this process (started as a background job of a "
                    + "shell without job control?), so it will not stop the quickstart; "
                    + ("INT".equals(name) ? "stop it with kill " + ProcessHandle.current().pid() + " (SIGTERM)"
                            : "stop it with kill -KILL " + ProcessHandle.current().pid()));
        }
    }

    private static void summary(PrintStream out, Demo demo, int arrived) {
        out.println("quickstart: " + arrived + " of " + demo.sampleCount() + " sample records arrived at "
                + demo.resourceUri());
        out.println("quickstart: " + demo.arrivedSecure() + " of " + demo.sampleCount() + " sample records arrived at "
                + demo.secureResourceUri() + " over DTLS (PSK)");
    }
}
