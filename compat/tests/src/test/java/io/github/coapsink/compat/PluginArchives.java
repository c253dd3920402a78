package io.github.coapsink.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The plugin archive the connector module built (copied to target/plugin by the build), unpacked as users do. */
final class PluginArchives {
    static final String CONNECTOR_CLASS = "io.github.coapsink.CoapSinkConnector";

    private PluginArchives() {
    }

    static String version() {
        return required("coapsink.version");
    }

    static Path archive() {
        Path zip = Paths.get(required("coapsink.plugin.archive"));
        assertThat(zip).as("the built plugin archive (run through Maven: mvn verify)").isRegularFile();
        return zip;
    }

    /** Unzips the archive into {@code pluginPath} (a plugin.path directory); returns the plugin's own directory. */
    static Path unpackInto(Path pluginPath) {
        try (InputStream in = Files.newInputStream(archive()); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = pluginPath.resolve(e.getName()).normalize();
                if (!target.startsWith(pluginPath)) {
                    throw new IllegalStateException("zip entry outside the plugin path: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path plugin = pluginPath.resolve("kafka-connect-coap-" + version());
        assertThat(plugin.resolve("lib/kafka-connect-coap-" + version() + ".jar")).isRegularFile();
        return plugin;
    }

    static String required(String property) {
        String value = System.getProperty(property);
        assertThat(value).as("system property %s (set by failsafe)", property).isNotBlank();
        return value;
    }
}
