package io.github.coapsink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line of bench/run.sh. */
class BenchOptionsTest {

    @Test
    void theBaselineAlwaysRunsBesideTheOthersUnlessLeftOutExplicitly() {
        assertEquals(List.of("baseline", "tuned", "raw"),
                BenchMain.Options.parse(new String[] {"--scenarios", "tuned,raw"}).scenarios());
        assertEquals(List.of("default", "baseline"),
                BenchMain.Options.parse(new String[] {"--scenarios", "default,baseline"}).scenarios());
        assertEquals(List.of("tuned"),
                BenchMain.Options.parse(new String[] {"--scenarios", "tuned", "--no-baseline"}).scenarios());
    }

    @Test
    void roundTripTimesServersAndChart() {
        BenchMain.Options o = BenchMain.Options.parse(new String[] {
            "--rtt-ms", "0, 20", "--server", "both", "--chart", "x/y.png", "--raw-configs", "raw-a,raw-c"});
        assertEquals(List.of(0, 20), o.rttMs());
        assertEquals(List.of(BenchMain.Server.CALIFORNIUM, BenchMain.Server.LIBCOAP), o.sinkServers());
        assertEquals(Path.of("x/y.png"), o.chart());
        assertEquals(List.of("raw-a", "raw-c"), o.rawConfigs());
        BenchMain.Options defaults = BenchMain.Options.parse(new String[0]);
        assertEquals(List.of(0), defaults.rttMs());
        assertEquals(List.of(BenchMain.Server.CALIFORNIUM), defaults.sinkServers());
        assertEquals(Path.of("bench/target/bench.png"), defaults.chart());
    }

    @Test
    void payloadFormatScenariosRunLikeTheOthers() {
        BenchMain.Options o = BenchMain.Options.parse(new String[] {
            "--scenarios", "default,cbor,senml-json,senml-cbor,default:CBOR,tuned:SENML_CBOR,tuned:senml-json",
            "--rtt-ms", "0,20"});
        assertEquals(List.of("baseline", "default", "cbor", "senml-json", "senml-cbor", "default:CBOR",
                "tuned:SENML_CBOR", "tuned:senml-json"), o.scenarios());
        assertEquals("CBOR", BenchMain.payloadFormat("cbor"));
        assertEquals("SENML_JSON", BenchMain.payloadFormat("senml-json"));
        assertEquals("SENML_CBOR", BenchMain.payloadFormat("tuned:SENML_CBOR"));
        assertEquals("SENML_JSON", BenchMain.payloadFormat("tuned:senml-json"));
        assertEquals(null, BenchMain.payloadFormat("tuned"));
        assertEquals(null, BenchMain.payloadFormat("fanout"));
        assertEquals("default", BenchMain.baseScenario("senml-cbor"));
        assertEquals("tuned", BenchMain.baseScenario("tuned:CBOR"));
        assertEquals("tuned", BenchMain.baseScenario("tuned"));
        assertEquals("cbor", BenchMain.scenarioName("cbor"));
        assertEquals("default-cbor", BenchMain.scenarioName("default:CBOR"));
        assertEquals("tuned-senml-cbor", BenchMain.scenarioName("tuned:SENML_CBOR"));
        assertEquals("tuned", BenchMain.scenarioName("tuned"));
    }

    @Test
    void rejectsWhatItCannotRun() {
        assertThrows(IllegalArgumentException.class,
                () -> BenchMain.Options.parse(new String[] {"--scenarios", "fanout:CBOR"}));
        assertThrows(IllegalArgumentException.class,
                () -> BenchMain.Options.parse(new String[] {"--scenarios", "tuned:XML"}));
        assertThrows(IllegalArgumentException.class,
                () -> BenchMain.Options.parse(new String[] {"--scenarios", "senml"}));
        assertThrows(IllegalArgumentException.class, () -> BenchMain.Options.parse(new String[] {"--rtt-ms", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> BenchMain.Options.parse(new String[] {"--server", "x"}));
        assertThrows(IllegalArgumentException.class,
                () -> BenchMain.Options.parse(new String[] {"--scenarios", "nope"}));
    }
}
