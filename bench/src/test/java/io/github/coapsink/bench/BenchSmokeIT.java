package io.github.coapsink.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The whole harness end to end with 1,000 records, so {@code bench/run.sh} keeps working: every scenario must
 * deliver every record (the fan-out scenario: or say clearly that this build cannot fan out), the worker's CPU and
 * the commit lag are measured, and the chart is written; then the raw limit through the delay relay against both
 * servers. Two worker JVMs in all (the baseline has the same worker path and is left out to stay under a minute).
 * Never asserts on timing. Runs in {@code mvn verify}; {@code -Dbench.smoke=false} leaves it out.
 */
@EnabledIfSystemProperty(named = "bench.smoke", matches = "true")
class BenchSmokeIT {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    @Test
    void everyScenarioDeliversEveryRecord() throws Exception {
        Path chart = Path.of("target/bench-smoke.png");
        Files.deleteIfExists(chart);
        BenchMain.Options o = BenchMain.Options.parse(new String[] {
            "--records", "1000", "--scenarios", "tuned,fanout,raw", "--no-baseline", "--tuned", "tuned.properties",
            "--raw-configs", "raw-a", "--max-seconds", "60", "--latency-seconds", "1",
            "--chart", chart.toString()});
        List<BenchMain.Result> results = new BenchMain(o).run();
        List<String> names = results.stream().map(r -> r.scenario).toList();
        assertTrue(names.containsAll(List.of("tuned", "fanout", "raw-a")), names::toString);
        for (BenchMain.Result r : results) {
            if (r.scenario.equals("fanout") && !r.status.equals("ok")) {
                // until issue 10 lands: a clear message, not a crash, and the run went on
                assertTrue(r.status.startsWith("connector rejected") || r.status.startsWith("fan-out not applied")
                        || r.status.startsWith("task FAILED"), r.status);
                continue;
            }
            assertEquals(1000, r.delivered, r.scenario + " " + r.server + ": " + r.status);
            if (r.rawConfig == null) {
                assertFalse(Double.isNaN(r.cpuMicrosPerRecord), r.scenario + ": worker CPU measured");
                assertTrue(r.cpuMicrosPerRecord > 0, r.scenario + ": worker CPU measured");
                assertEquals(1000, r.committed, r.scenario + ": every offset committed");
                assertEquals(1000, r.commitLagCount, r.scenario + ": commit lag of every record");
                assertTrue(r.commitLagP50 >= 0, r.scenario + ": commits follow deliveries");
                assertTrue(r.retransmissions >= 0, r.scenario + ": retransmissions counted at the server");
            }
        }
        assertEquals(1, results.stream().filter(r -> r.rawLimit && r.server == BenchMain.Server.CALIFORNIUM).count());
        assertPng(chart);
    }

    @Test
    void rawLimitThroughTheDelayRelayAgainstBothServers() throws Exception {
        Path chart = Path.of("target/bench-smoke-rtt.png");
        Files.deleteIfExists(chart);
        BenchMain.Options o = BenchMain.Options.parse(new String[] {
            "--records", "1000", "--scenarios", "raw", "--no-baseline", "--rtt-ms", "10", "--tuned",
            "tuned.properties", "--raw-configs", "raw-a,raw-d", "--max-seconds", "60", "--latency-seconds", "1",
            "--chart", chart.toString()});
        List<BenchMain.Result> results = new BenchMain(o).run();
        boolean libcoap = LibcoapServer.binary().isPresent();
        assertEquals(libcoap ? 4 : 2, results.size());
        for (BenchMain.Result r : results) {
            assertEquals(10, r.rttMs);
            assertEquals(1000, r.delivered, r.scenario + " " + r.server + ": " + r.status);
            assertTrue(r.retransmissions >= 0, "counted at the server or the relay");
            assertTrue(r.params.contains("delay relay"), r.params);
        }
        assertPng(chart);
    }

    private static void assertPng(Path chart) throws Exception {
        assertTrue(Files.size(chart) > 10_000, "chart written: " + chart);
        try (InputStream in = Files.newInputStream(chart)) {
            assertArrayEquals(PNG, Arrays.copyOf(in.readNBytes(4), 4));
        }
    }
}
