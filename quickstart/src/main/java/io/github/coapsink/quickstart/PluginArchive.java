package io.github.coapsink.quickstart;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The connector's plugin archive ({@code kafka-connect-coap-<version>-plugin.zip}) as the connector module built it,
 * unpacked into a directory that becomes a worker's {@code plugin.path}.
 */
final class PluginArchive {
    static final String PROPERTY = "quickstart.plugin.archive";
    private static final String PREFIX = "kafka-connect-coap-";
    private static final String SUFFIX = "-plugin.zip";

    private final Path zip;

    private PluginArchive(Path zip) {
        this.zip = zip;
    }

    /** {@code -Dquickstart.plugin.archive}, else the one zip in {@code <home>/quickstart/target/plugin/}. */
    static PluginArchive locate(Path home) {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new QuickstartException("quickstart: plugin archive " + p + " does not exist; build it with "
                        + "mvn -DskipTests package", QuickstartException.FAILED);
            }
            return new PluginArchive(p);
        }
        Path dir = home.resolve("quickstart/target/plugin");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
                s.forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (found.size() != 1) {
            throw new QuickstartException("quickstart: expected one " + PREFIX + "<version>" + SUFFIX + " in " + dir
                    + ", found " + found.size() + "; run ./quickstart.sh (it builds) or mvn -DskipTests package",
                    QuickstartException.FAILED);
        }
        return new PluginArchive(found.get(0));
    }

    Path zip() {
        return zip;
    }

    /** The version in the archive's file name. */
    String version() {
        String name = zip.getFileName().toString();
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX)
                ? name.substring(PREFIX.length(), name.length() - SUFFIX.length()) : "unknown";
    }

    /** Unpacks the archive into {@code pluginPath} (its top directory becomes one plugin) and returns that directory. */
    Path unpackInto(Path pluginPath) {
        try {
            Files.createDirectories(pluginPath);
            Path root = pluginPath.toAbsolutePath().normalize();
            Path top = null;
            try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
                for (ZipEntry e; (e = entries.getNextEntry()) != null; ) {
                    Path target = root.resolve(e.getName()).normalize();
                    if (!target.startsWith(root) || target.equals(root)) {
                        throw new IOException("unsafe entry in " + zip + ": " + e.getName());
                    }
                    if (top == null) {
                        top = root.resolve(root.relativize(target).getName(0));
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            if (top == null) {
                throw new IOException("empty plugin archive " + zip);
            }
            return top;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip + " into " + pluginPath, e);
        }
    }
}
