package io.github.coapsink.delivery;

import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.EncodingException;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;

/** Turns a routed record into the CoAP request that carries it. */
public final class RequestFactory {

    private static final byte[] NO_PAYLOAD = new byte[0];

    private final RecordEncoder encoder;
    private final OutgoingRequest.Method method;
    private final boolean confirmable;
    private final TombstonePolicy tombstones;
    private final int maxPayloadBytes;

    public RequestFactory(RecordEncoder encoder, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.encoder = encoder;
        this.method = method == RequestMethod.POST ? OutgoingRequest.Method.POST : OutgoingRequest.Method.PUT;
        this.confirmable = confirmable;
        this.tombstones = tombstones;
    }

    /** One request carrying several records' payloads as a JSON array: {@code [p1,p2,...]}. */
    public OutgoingRequest batch(String resource, List<byte[]> payloads) {
        int size = 1 + payloads.size();
        for (byte[] p : payloads) {
            size += p.length;
        }
        byte[] body = new byte[size];
        int at = 0;
        body[at++] = '[';
        for (int i = 0; i < payloads.size(); i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            byte[] p = payloads.get(i);
            System.arraycopy(p, 0, body, at, p.length);
            at += p.length;
        }
        body[at] = ']';
        return new OutgoingRequest(resource, method, body, confirmable);
    }

    /** The body size of a batch of payloads with these total bytes: brackets and commas included. */
    public static int batchBytes(int payloadBytes, int count) {
        return payloadBytes + count + 1;
    }

    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * @return the request, or null when the record is a tombstone to skip
     * @throws EncodingException when the record cannot be sent (a bad record: error policy or dead-letter queue)
     */
    public OutgoingRequest build(SinkRecord record, Route route) {
        if (record.value() == null) {
            return switch (tombstones) {
                case SKIP -> null;
                case DELETE -> new OutgoingRequest(route.resource(), OutgoingRequest.Method.DELETE, NO_PAYLOAD, confirmable);
                case FAIL -> throw new EncodingException("the record value is null (a tombstone); set "
                        + "connect.coap.tombstone.policy=SKIP to skip tombstones or DELETE to delete the resource");
            };
        }
        byte[] payload = encoder.encode(record.valueSchema(), record.value(), route.projection());
        if (payload.length > maxPayloadBytes) {
            throw new EncodingException("the JSON payload is " + payload.length + " bytes, more than "
                    + "connect.coap.max.payload.bytes=" + maxPayloadBytes + "; raise the limit if the server accepts "
                    + "such bodies, or leave out fields with KCQL");
        }
        return new OutgoingRequest(route.resource(), method, payload, confirmable);
    }
}
