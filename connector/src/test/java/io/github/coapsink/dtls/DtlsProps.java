package io.github.coapsink.dtls;

import io.github.coapsink.config.CoapSinkConfig;
import io.github.coapsink.send.CaliforniumSender;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Connector properties and a one-request helper for the DTLS tests. */
public final class DtlsProps {

    private DtlsProps() {
    }

    public static Map<String, String> base(String uri) {
        Map<String, String> p = new HashMap<>();
        p.put(CoapSinkConfig.URI, uri);
        p.put(CoapSinkConfig.KCQL, "INSERT INTO sensors SELECT * FROM readings");
        p.put(CoapSinkConfig.HOST, "127.0.0.1");
        p.put(CoapSinkConfig.REQUEST_TIMEOUT_MS, "10000");
        p.put(CoapSinkConfig.ACK_TIMEOUT_MS, "500");
        return p;
    }

    public static SendResult put(CaliforniumSender sender, String resource, String json) throws Exception {
        return sender.send(new OutgoingRequest(resource, OutgoingRequest.Method.PUT,
                json.getBytes(StandardCharsets.UTF_8), true)).toCompletableFuture().get(90, TimeUnit.SECONDS);
    }

    public static CaliforniumSender start(Map<String, String> props) {
        return CaliforniumSender.start(new CoapSinkConfig(props));
    }
}
