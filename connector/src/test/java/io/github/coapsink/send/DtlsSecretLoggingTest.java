package io.github.coapsink.send;

import static io.github.coapsink.dtls.DtlsProps.base;
import static io.github.coapsink.dtls.DtlsProps.put;
import static io.github.coapsink.dtls.DtlsProps.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.coapsink.CoapSinkConnector;
import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.dtls.DtlsTestServer;
import io.github.coapsink.dtls.TestPki;
import io.github.coapsink.dtls.TestPki.Issued;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures every log line (all loggers, TRACE) of DTLS runs that fail on a wrong PSK or a wrong store
 * password, and checks that no secret appears in any line, exception message or toString().
 */
class DtlsSecretLoggingTest {

    private static final String PSK = "psk-Secret-7f3a";
    private static final String WRONG_PSK = "psk-Wrong-91c2";
    private static final String KEYSTORE_PASS = "ks-Secret-5be1";
    private static final String WRONG_KEYSTORE_PASS = "ks-Wrong-0d44";
    private static final String TRUSTSTORE_PASS = "ts-Secret-c9e0";

    @TempDir
    Path dir;

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private AbstractAppender appender;
    private Level previousLevel;
    private final List<org.apache.logging.log4j.core.Appender> console = new CopyOnWriteArrayList<>();

    @BeforeEach
    void capture() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        appender = new AbstractAppender("dtls-secret-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
                        .append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(trace));
                    line.append('\n').append(trace);
                }
                lines.add(line.toString());
            }
        };
        appender.start();
        LoggerConfig root = context.getConfiguration().getRootLogger();
        previousLevel = root.getLevel();
        // Keep the console at WARN while everything (TRACE) goes to the capture.
        root.getAppenders().values().forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, Level.WARN, null);
            console.add(a);
        });
        root.addAppender(appender, Level.ALL, null);
        root.setLevel(Level.ALL);
        context.updateLoggers();
    }

    @AfterEach
    void release() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(appender.getName());
        console.forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, null, null);
        });
        root.setLevel(previousLevel);
        context.updateLoggers();
        appender.stop();
    }

    @Test
    void noSecretInAnyLogLineOrMessage() throws Exception {
        StringBuilder seen = new StringBuilder();
        // Wrong PSK: a handshake that fails, then a good one, all at TRACE.
        try (DtlsTestServer server = DtlsTestServer.builder().psk("sink-1", PSK).start()) {
            Map<String, String> wrong = base(server.uri());
            wrong.put(CoapSinkConfig.USERNAME, "sink-1");
            wrong.put(CoapSinkConfig.PASSWORD, WRONG_PSK);
            try (CaliforniumSender sender = start(wrong)) {
                SendResult result = put(sender, "sensors/t1", "{}");
                assertThat(result.outcome()).isEqualTo(SendResult.Outcome.TRANSIENT);
                seen.append(result).append('\n');
                System.out.println("wrong PSK detail: " + result.detail());
            }
            Map<String, String> right = base(server.uri());
            right.put(CoapSinkConfig.USERNAME, "sink-1");
            right.put(CoapSinkConfig.PASSWORD, PSK);
            CoapSinkConfig config = new CoapSinkConfig(right);
            seen.append(config).append(config.values()).append('\n');
            try (CaliforniumSender sender = CaliforniumSender.start(config)) {
                assertThat(put(sender, "sensors/t1", "{}").outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
            }
        }
        // Wrong key store password, at start and in validate.
        Issued ca = TestPki.ca("Test CA");
        Issued client = TestPki.leaf("coap-sink", ca, TestPki.ec());
        Map<String, String> stores = base("coaps://127.0.0.1:5684");
        stores.put(CoapSinkConfig.KEYSTORE_PATH, TestPki.keyStore(dir.resolve("client.p12"), "PKCS12", KEYSTORE_PASS,
                "client", client.keys().getPrivate(), client.certificate()).toString());
        stores.put(CoapSinkConfig.KEYSTORE_PASS, WRONG_KEYSTORE_PASS);
        stores.put(CoapSinkConfig.TRUSTSTORE_PATH, TestPki.trustStore(dir.resolve("trust.jks"), "JKS", TRUSTSTORE_PASS,
                "root", ca.certificate()).toString());
        stores.put(CoapSinkConfig.TRUSTSTORE_PASS, TRUSTSTORE_PASS);
        Throwable failure = catchThrowable(() -> start(stores));
        assertThat(failure).isNotNull();
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        seen.append(failure).append(trace).append('\n');
        System.out.println("wrong keystore password: " + failure.getMessage());
        stores.put("topics", "readings");
        new CoapSinkConnector().validate(stores).configValues().forEach(v -> seen.append(v).append('\n'));
        CoapSinkConfig storeConfig = new CoapSinkConfig(stores);
        seen.append(storeConfig).append(storeConfig.values());

        assertThat(lines).as("captured log lines").isNotEmpty();
        String everything = String.join("\n", lines) + "\n" + seen;
        for (String secret : List.of(PSK, WRONG_PSK, KEYSTORE_PASS, WRONG_KEYSTORE_PASS, TRUSTSTORE_PASS)) {
            String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
            assertThat(everything).doesNotContain(secret).doesNotContainIgnoringCase(hex);
        }
        assertThat(seen.toString()).contains("[hidden]");
    }
}
