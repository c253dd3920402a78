package io.github.coapsink.quickstart;

import java.time.Duration;

/** Command line of the demo (and of {@code produce}, which only needs the Kafka port). */
final class DemoOptions {
    static final int DEFAULT_KAFKA_PORT = 9092;
    static final int DEFAULT_COAP_PORT = 5683;
    static final int DEFAULT_COAPS_PORT = 5684;
    static final int DEFAULT_CONNECT_PORT = 8083;

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: ./quickstart.sh [options]                       run the demo until Ctrl-C",
            "       ./quickstart.sh produce [--kafka-port N] JSON...  send records to the running demo's coap_topic",
            "       ./quickstart.sh standalone WORKER.properties CONNECTOR.properties...",
            "                                                       Kafka's standalone worker with this plugin",
            "       ./quickstart.sh server [test server options]    only the CoAP test server (--help for its options)",
            "",
            "Demo options:",
            "  --kafka-port N          Kafka broker port (default 9092)",
            "  --coap-port N           CoAP test server UDP port (default 5683)",
            "  --coaps-port N          CoAP test server DTLS UDP port (default 5684)",
            "  --connect-port N        Connect worker REST port (default 8083)",
            "  --exit-after-samples    stop once the sample records arrived (exit 0) or the timeout passed (exit 1)",
            "  --timeout-seconds N     how long to wait for the sample records (default 120)",
            "  --help                  this text",
            "",
            "Environment: QUICKSTART_SKIP_BUILD=1 makes quickstart.sh use what is already built.");

    int kafkaPort = DEFAULT_KAFKA_PORT;
    int coapPort = DEFAULT_COAP_PORT;
    int coapsPort = DEFAULT_COAPS_PORT;
    int connectPort = DEFAULT_CONNECT_PORT;
    boolean exitAfterSamples;
    Duration timeout = Duration.ofSeconds(120);

    static DemoOptions parse(String[] args) {
        DemoOptions o = new DemoOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--kafka-port" -> o.kafkaPort = port(args, ++i, a);
                case "--coap-port" -> o.coapPort = port(args, ++i, a);
                case "--coaps-port" -> o.coapsPort = port(args, ++i, a);
                case "--connect-port" -> o.connectPort = port(args, ++i, a);
                case "--exit-after-samples" -> o.exitAfterSamples = true;
                case "--timeout-seconds" -> o.timeout = Duration.ofSeconds(number(args, ++i, a, 1, 3600));
                case "--help", "-h" -> throw new QuickstartException(USAGE, 0);
                default -> throw new QuickstartException("quickstart: unknown option " + a + " (try --help)",
                        QuickstartException.USAGE);
            }
        }
        if (o.coapPort == o.coapsPort) {
            throw new QuickstartException("quickstart: --coap-port and --coaps-port must differ", QuickstartException.USAGE);
        }
        if (o.kafkaPort == o.connectPort) {
            throw new QuickstartException("quickstart: --kafka-port and --connect-port must differ", QuickstartException.USAGE);
        }
        return o;
    }

    static int port(String[] args, int i, String option) {
        return (int) number(args, i, option, 1, 65535);
    }

    private static long number(String[] args, int i, String option, long min, long max) {
        if (i >= args.length) {
            throw new QuickstartException("quickstart: " + option + " needs a value", QuickstartException.USAGE);
        }
        try {
            long v = Long.parseLong(args[i]);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new QuickstartException("quickstart: " + option + " needs a number from " + min + " to " + max
                    + ", got " + args[i], QuickstartException.USAGE);
        }
    }
}
