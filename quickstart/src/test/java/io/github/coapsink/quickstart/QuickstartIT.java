package io.github.coapsink.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code ./quickstart.sh} itself, as a user would, with free ports and its own TMPDIR. */
class QuickstartIT {
    private static final Duration RUN_LIMIT = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private final int kafkaPort = Ports.freeTcp();
    private final int connectPort = Ports.freeTcp();
    private final int coapPort = Ports.freeUdp();
    private final int coapsPort = Ports.freeUdp();

    private String[] portArgs(String... more) {
        return Stream.concat(Stream.of("--kafka-port", "" + kafkaPort, "--connect-port", "" + connectPort,
                "--coap-port", "" + coapPort, "--coaps-port", "" + coapsPort), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void exitAfterSamplesDeliversTheSampleRecordsAndCleansUp() throws Exception {
        int exit;
        ProcessHandle handle;
        List<String> lines;
        try (QuickstartProcess qs = QuickstartProcess.start(tmp, Map.of(), portArgs("--exit-after-samples"))) {
            handle = qs.handle();
            exit = qs.awaitExit(RUN_LIMIT);
            lines = qs.lines();
        }

        assertThat(exit).as("exit code; output:%n%s", String.join("\n", lines)).isZero();
        assertThat(lines).anyMatch(l -> l.startsWith("        plugin io.github.coapsink.CoapSinkConnector ")
                && l.contains("io.github.coapsink.CoapSinkConnector " + System.getProperty("coapsink.version")));
        assertThat(lines).filteredOn(l -> l.matches("\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3} PUT +CON +UDP +/unsecure +2\\.04 .*"))
                .hasSize(4)
                .anyMatch(l -> l.endsWith(" {\"firstName\":\"John\",\"lastName\":\"Smith\",\"age\":30,\"salary\":4830}"));
        assertThat(lines).filteredOn(l -> l.matches("\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3} PUT +CON +DTLS +/secure +2\\.04 .*"))
                .hasSize(4);
        assertThat(lines).contains("quickstart: 4 of 4 sample records arrived at coap://127.0.0.1:" + coapPort + "/unsecure",
                "quickstart: 4 of 4 sample records arrived at coaps://127.0.0.1:" + coapsPort + "/secure over DTLS (PSK)",
                "quickstart: stopped; temp data removed");
        assertThat(String.join("\n", lines)).as("the PSK secret is printed by the demo's own banner only")
                .contains("connect.coap.password=********");
        assertCleanedUp(handle);
    }

    @Test
    void producesUserRecordsWhileRunningAndStopsCleanlyOnCtrlC() throws Exception {
        ProcessHandle handle;
        int exit;
        try (QuickstartProcess qs = QuickstartProcess.start(tmp, Map.of(), portArgs())) {
            handle = qs.handle();
            qs.awaitLine(RUN_LIMIT, l -> l.startsWith("Press Ctrl-C"));
            assertThat(qs.lines()).as("this test's JVM was started with SIGINT ignored (a background job of a shell "
                    + "without job control, e.g. `cmd &` in a script), which every child inherits, so no Ctrl-C can "
                    + "reach the quickstart: run the tests in the foreground, or after `set -m`")
                    .noneMatch(l -> l.startsWith("quickstart: SIGINT is ignored"));
            assertThat(qs.lines()).contains("  ./quickstart.sh produce --kafka-port " + kafkaPort
                    + " '{\"firstName\": \"Grace\", \"lastName\": \"Hopper\", \"age\":45, \"salary\": 7100}'");

            String grace = "{\"firstName\": \"Grace\", \"lastName\": \"Hopper\", \"age\":45, \"salary\": 7100}";
            try (QuickstartProcess produce = QuickstartProcess.start(tmp, Map.of(),
                    "produce", "--kafka-port", "" + kafkaPort, grace)) {
                assertThat(produce.awaitExit(Duration.ofMinutes(1))).as(produce.output()).isZero();
                assertThat(produce.output()).contains("quickstart: sent to coap_topic partition 0 offset 4: " + grace);
            }
            // The sink sends the record as compact JSON, field order kept.
            qs.awaitLine(Duration.ofSeconds(60), l -> l.matches(".* PUT +CON +UDP +/unsecure +2\\.04 +\\Q"
                    + "{\"firstName\":\"Grace\",\"lastName\":\"Hopper\",\"age\":45,\"salary\":7100}\\E"));

            qs.interrupt();
            exit = qs.awaitExit(Duration.ofMinutes(1));
            assertThat(qs.lines()).as("exit code %d", exit).contains("quickstart: stopped; temp data removed");
            // Regression: the worker's stop on the signal handler's thread (no context class loader) threw an NPE.
            assertThat(qs.lines()).noneMatch(l -> l.contains("error while stopping") || l.contains("Exception"));
        }
        assertThat(exit).as("exit code after SIGINT (128 + 2)").isEqualTo(130);
        assertCleanedUp(handle);
    }

    @Test
    void aBusyPortIsOneClearLineAndExitCode2() throws Exception {
        try (ServerSocket busy = new ServerSocket(kafkaPort, 1, InetAddress.getByName("127.0.0.1"));
             QuickstartProcess qs = QuickstartProcess.start(tmp, Map.of(), portArgs())) {
            assertThat(qs.awaitExit(Duration.ofMinutes(1))).isEqualTo(2);
            assertThat(qs.lines()).containsExactly("quickstart: TCP port " + kafkaPort + " (Kafka broker) on 127.0.0.1"
                    + " is already in use; stop what uses it or choose another port with --kafka-port N");
        }
        assertThat(listTmp()).isEmpty();
    }

    @Test
    void produceWithoutARunningQuickstartSaysSo() throws Exception {
        try (QuickstartProcess qs = QuickstartProcess.start(tmp, Map.of(), "produce", "--kafka-port", "" + kafkaPort,
                "{\"firstName\": \"Nobody\"}")) {
            assertThat(qs.awaitExit(Duration.ofMinutes(1))).isEqualTo(1);
            assertThat(qs.output()).contains("quickstart: cannot send to the Kafka broker at 127.0.0.1:" + kafkaPort
                    + "; is ./quickstart.sh running (with --kafka-port " + kafkaPort + ")?");
        }
    }

    private void assertCleanedUp(ProcessHandle quickstart) {
        assertThat(quickstart.isAlive()).isFalse();
        assertThat(quickstart.descendants().filter(ProcessHandle::isAlive)).isEmpty();
        String marker = tmp.toString();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.isAlive()
                && p.info().commandLine().map(c -> c.contains(marker)).orElse(false)))
                .as("processes started with java.io.tmpdir=%s", marker).isEmpty();
        Ports.assertTcpFree(kafkaPort);
        Ports.assertTcpFree(connectPort);
        Ports.assertUdpFree(coapPort);
        Ports.assertUdpFree(coapsPort);
        assertThat(listTmp()).as("left in TMPDIR").isEmpty();
    }

    private List<Path> listTmp() {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
