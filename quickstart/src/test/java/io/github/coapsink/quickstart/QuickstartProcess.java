package io.github.coapsink.quickstart;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** {@code ./quickstart.sh ...} as a child process (stdout and stderr merged, echoed, kept as lines). */
final class QuickstartProcess implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("quickstart.home", "..")).toAbsolutePath().normalize();

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private QuickstartProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println("| " + line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // process gone
            }
        }, "quickstart-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code quickstart.sh args} with QUICKSTART_SKIP_BUILD=1 (the build under test is already packaged). */
    static QuickstartProcess start(Path tmpDir, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(HOME.resolve("quickstart.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true);
        pb.environment().put("QUICKSTART_SKIP_BUILD", "1");
        pb.environment().put("TMPDIR", tmpDir.toString());
        pb.environment().putAll(env);
        try {
            return new QuickstartProcess(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    String output() {
        return String.join("\n", lines);
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    void awaitLine(Duration timeout, Predicate<String> line) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> lines.stream().anyMatch(line) || !process.isAlive() && !reader.isAlive()
                        && lines.stream().anyMatch(line));
    }

    /** Waits for the exit (and the end of its output); the process is killed if it outlives {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("quickstart.sh did not exit within " + timeout + "; output:\n" + output());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /** SIGTERM. (Not {@code Process.destroy()}: that also closes our end of its output, losing the last lines.) */
    void terminate() {
        process.toHandle().destroy();
    }

    /** SIGINT, what Ctrl-C in a terminal sends. */
    void interrupt() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -INT " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
