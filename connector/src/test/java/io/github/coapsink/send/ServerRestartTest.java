package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.config.CoapSinkConfig;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server restarts on the same port and, as a new process does, counts its message IDs from the start
 * again, so the IDs of its separate responses are ones its previous run already sent us within
 * EXCHANGE_LIFETIME. (Californium servers start from a random ID, so with them this happens by chance: it is
 * what stalled {@code ServerOutageIT}'s DTLS test now and then; this server starts from the same ID every time,
 * so it happens every time.) Every request after the restart must still be answered.
 */
@Timeout(120)
class ServerRestartTest {

    private static final String IDENTITY = "sink-restart";
    private static final String SECRET = "psk-secret-restart";
    private static final int REQUESTS = 40;

    /** A server that acknowledges every PUT at once and answers it in a separate CON response. */
    private static final class SeparateResponseServer implements AutoCloseable {
        private final boolean dtls;
        private final List<String> received = new CopyOnWriteArrayList<>();
        private CoapServer server;
        private int port;

        SeparateResponseServer(boolean dtls) throws IOException {
            this.dtls = dtls;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                port = probe.getLocalPort();
            }
            start();
        }

        void start() {
            Configuration c = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
            c.set(CoapConfig.USE_RANDOM_MID_START, false); // message IDs from the same start after every restart
            CoapEndpoint endpoint;
            if (dtls) {
                c.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
                AdvancedMultiPskStore psk = new AdvancedMultiPskStore();
                psk.setKey(IDENTITY, SECRET.getBytes(StandardCharsets.UTF_8));
                DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(c)
                        .setAddress(new InetSocketAddress("127.0.0.1", port)).setAdvancedPskStore(psk).build());
                endpoint = new CoapEndpoint.Builder().setConfiguration(c).setConnector(connector).build();
            } else {
                endpoint = new CoapEndpoint.Builder().setConfiguration(c)
                        .setInetSocketAddress(new InetSocketAddress("127.0.0.1", port)).build();
            }
            server = new CoapServer(c);
            server.addEndpoint(endpoint);
            server.add(new CoapResource("r") {
                @Override
                public void handlePUT(CoapExchange exchange) {
                    received.add(exchange.getRequestText());
                    exchange.accept(); // empty ACK now, the answer in a separate response
                    exchange.respond(ResponseCode.CHANGED);
                }
            });
            server.start();
        }

        void restart() {
            server.destroy();
            start();
        }

        String uri() {
            return (dtls ? "coaps" : "coap") + "://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            server.destroy();
        }
    }

    private static CaliforniumSender sender(SeparateResponseServer server) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, server.uri());
        p.put(CoapSinkConfig.KCQL, "INSERT INTO r SELECT * FROM t");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "1000");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "200");
        if (server.dtls) {
            p.put(CoapSinkConfig.USERNAME, IDENTITY);
            p.put(CoapSinkConfig.PASSWORD, SECRET);
        }
        return CaliforniumSender.start(new CoapSinkConfig(p));
    }

    /** Sends records from {@code first} on, one at a time, each retried until delivered or out of attempts. */
    private static List<String> stream(CaliforniumSender sender, int first, int count) throws Exception {
        List<String> failures = new ArrayList<>();
        for (int id = first; id < first + count; id++) {
            SendResult result = null;
            for (int attempt = 0; attempt < 4; attempt++) {
                result = sender.send(new OutgoingRequest("r", OutgoingRequest.Method.PUT,
                        ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8), true)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                if (result.delivered()) {
                    break;
                }
                failures.add("id " + id + ": " + result.detail());
            }
            if (!result.delivered()) {
                failures.add("id " + id + " given up");
                return failures;
            }
        }
        return failures;
    }

    private void restartAndGoOn(boolean dtls) throws Exception {
        try (SeparateResponseServer server = new SeparateResponseServer(dtls);
                CaliforniumSender sender = sender(server)) {
            assertThat(stream(sender, 0, REQUESTS)).isEmpty();
            server.restart();
            List<String> failures = stream(sender, REQUESTS, REQUESTS);
            System.out.printf("SERVER-RESTART | %s: after the restart %d failed attempts: %s%n", dtls ? "coaps" : "coap",
                    failures.size(), failures.stream().limit(3).toList());
            // Noticing the restart may cost the first record after it one attempt (DTLS: the old session is gone).
            assertThat(failures).as("failed attempts after the restart").hasSizeLessThanOrEqualTo(2)
                    .noneMatch(f -> f.endsWith("given up"));
            assertThat(server.received).hasSizeGreaterThanOrEqualTo(2 * REQUESTS);
        }
    }

    @Test
    void plainServerThatRestartsAndReusesMessageIdsIsHeard() throws Exception {
        restartAndGoOn(false);
    }

    @Test
    void dtlsServerThatRestartsAndReusesMessageIdsIsHeard() throws Exception {
        restartAndGoOn(true);
    }
}
