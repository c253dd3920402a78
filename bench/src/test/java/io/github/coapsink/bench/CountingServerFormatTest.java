package io.github.coapsink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.Projection;
import io.github.coapsink.kcql.Route;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.Test;

/**
 * The counting server after the merge of issue 12's bench and the payload formats: per phase it counts the records of
 * every payload format by the request's Content-Format (a batch's records too), the body bytes per record, and the
 * resource paths (fan-out).
 */
class CountingServerFormatTest {
    private static final Route ROUTE = new Route("users", "users", Projection.all());
    private static final PayloadEncoder ENCODER = new PayloadEncoder(PlainStringPolicy.FAIL, PayloadFormat.JSON, 42,
            PayloadEncoder.SenmlSettings.defaults());

    private static byte[] encode(PayloadFormat f, int id) {
        return ENCODER.encode(f, Users.SCHEMA, Users.struct(id), 1_700_000_000_123L, ROUTE);
    }

    @Test
    void countsTheRecordsOfEveryFormatWithTheirBytesAndPaths() throws Exception {
        List<PayloadFormat> formats = List.of(PayloadFormat.JSON, PayloadFormat.CBOR, PayloadFormat.SENML_JSON,
                PayloadFormat.SENML_CBOR);
        try (CountingServer server = new CountingServer()) {
            for (PayloadFormat f : formats) {
                CountingServer.Phase phase = server.begin(100, 4, false);
                long bytes = 0;
                // two single records to two paths, then one batch of two records to a third path
                for (int id : new int[] {100, 101}) {
                    byte[] body = encode(f, id);
                    bytes += body.length;
                    put(server, "dev/" + id, body, f.contentFormat());
                }
                byte[] batch = ENCODER.combine(f, List.of(encode(f, 102), encode(f, 103)));
                bytes += batch.length;
                put(server, "users", batch, f.contentFormat());
                assertTrue(phase.awaitComplete(5_000), f + ": " + phase.distinct() + " of 4 records counted");
                assertEquals(0, phase.duplicates(), f.toString());
                assertEquals(0, phase.foreign(), f.toString());
                assertEquals(3, phase.distinctPaths(), f.toString());
                assertEquals(bytes / 4.0, phase.bytesPerRecord(), 1e-9, f.toString());
            }
        }
    }

    @Test
    void noRecordsNoBytesPerRecord() {
        try (CountingServer server = new CountingServer()) {
            assertTrue(Double.isNaN(server.begin(0, 1, false).bytesPerRecord()));
        }
    }

    private static void put(CountingServer server, String path, byte[] body, int contentFormat) throws Exception {
        CoapClient client = new CoapClient(server.uri() + "/" + path);
        try {
            CoapResponse r = client.put(body, contentFormat);
            assertEquals(ResponseCode.CHANGED, r.getCode());
        } finally {
            client.shutdown();
        }
    }
}
