package io.github.coapsink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The whole harness end to end with 1,000 records, so {@code bench/run.sh} keeps working: every scenario must
 * deliver every record. Never asserts on timing. Runs in {@code mvn verify}; {@code -Dbench.smoke=false} leaves
 * it out (three child worker JVMs take about a minute on a busy 2-core machine).
 */
@EnabledIfSystemProperty(named = "bench.smoke", matches = "true")
class BenchSmokeIT {

    @Test
    void everyScenarioDeliversEveryRecord() throws Exception {
        BenchMain.Options o = BenchMain.Options.parse(new String[] {
            "--records", "1000", "--tuned", "tuned.properties", "--max-seconds", "60", "--latency-seconds", "1"});
        List<BenchMain.Result> results = new BenchMain(o).run();
        assertEquals(4, results.size());
        for (BenchMain.Result r : results) {
            assertEquals(1000, r.delivered, r.name + ": " + r.status);
            assertEquals(r.latencyExpected, r.latencyCount, r.name + " latency phase");
        }
    }
}
