package io.github.coapsink.quickstart;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.connect.cli.ConnectStandalone;

/**
 * {@code ./quickstart.sh standalone WORKER.properties CONNECTOR.properties...}: Kafka's own standalone mode
 * ({@link ConnectStandalone}, the class behind {@code connect-standalone.sh}) with the plugin archive on the
 * worker's {@code plugin.path}. When the worker file sets no {@code plugin.path}, the archive is unpacked into
 * {@code <home>/quickstart/target/plugin-path} and a copy of the worker file with that {@code plugin.path} (and
 * {@code plugin.discovery=service_load} unless set) is used; otherwise the worker file is used as it is.
 */
final class Standalone {
    private Standalone() {
    }

    static void run(String[] args, Path home, PrintStream out) {
        if (args.length < 2 || args[0].startsWith("-")) {
            throw new QuickstartException("quickstart: usage: ./quickstart.sh standalone WORKER.properties "
                    + "CONNECTOR.properties... (examples: quickstart/config/worker.properties, "
                    + "quickstart/config/coap-sink.properties)", QuickstartException.USAGE);
        }
        for (String f : args) {
            if (!Files.isRegularFile(Path.of(f))) {
                throw new QuickstartException("quickstart: no such file: " + f, QuickstartException.USAGE);
            }
        }
        Properties worker = load(Path.of(args[0]));
        List<String> cli = new ArrayList<>(List.of(args));
        if (worker.getProperty("plugin.path", "").isBlank()) {
            PluginArchive archive = PluginArchive.locate(home);
            Path pluginPath = home.resolve("quickstart/target/plugin-path");
            TempDir.deleteRecursively(pluginPath);
            Path plugin = archive.unpackInto(pluginPath);
            worker.setProperty("plugin.path", pluginPath.toAbsolutePath().toString());
            worker.putIfAbsent("plugin.discovery", "service_load");
            Path copy = writeCopy(worker, Path.of(args[0]));
            cli.set(0, copy.toString());
            out.println("quickstart: plugin " + archive.zip().getFileName() + " unpacked into " + plugin
                    + "; worker properties " + args[0] + " + plugin.path=" + pluginPath.toAbsolutePath());
        } else {
            out.println("quickstart: using plugin.path=" + worker.getProperty("plugin.path") + " from " + args[0]
                    + " (unpack the plugin archive there; see docs/install.md)");
        }
        out.println("quickstart: starting Kafka's standalone worker (org.apache.kafka.connect.cli.ConnectStandalone)"
                + " with " + String.join(" ", args) + "; Ctrl-C stops it");
        // Blocks until the worker stops; Kafka's own shutdown hook stops it on Ctrl-C.
        ConnectStandalone.main(cli.toArray(String[]::new));
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static Path writeCopy(Properties props, Path original) {
        try {
            Path copy = Files.createTempFile("coap-quickstart-worker-", ".properties");
            copy.toFile().deleteOnExit();
            try (OutputStream o = Files.newOutputStream(copy)) {
                props.store(o, "copy of " + original.toAbsolutePath() + " with the plugin archive's plugin.path");
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
