package io.github.coapsink.delivery;

import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.EncodingException;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;

/** Turns a routed record into the CoAP request that carries it, in the route's payload format. */
public final class RequestFactory {

    private static final byte[] NO_PAYLOAD = new byte[0];

    private final PayloadEncoder payloads;
    private final OutgoingRequest.Method method;
    private final boolean confirmable;
    private final TombstonePolicy tombstones;
    private final int maxPayloadBytes;

    public RequestFactory(PayloadEncoder payloads, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.payloads = payloads;
        this.method = method == RequestMethod.POST ? OutgoingRequest.Method.POST : OutgoingRequest.Method.PUT;
        this.confirmable = confirmable;
        this.tombstones = tombstones;
    }

    /** Every route JSON. */
    public RequestFactory(RecordEncoder encoder, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes) {
        this(PayloadEncoder.json(encoder, PlainStringPolicy.FAIL), method, confirmable, tombstones, maxPayloadBytes);
    }

    /**
     * One request carrying several records' payloads of one route: a JSON array {@code [p1,p2,...]}, a CBOR
     * array, or one SenML pack.
     */
    public OutgoingRequest batch(Route route, List<byte[]> records) {
        PayloadFormat format = payloads.formatOf(route);
        return new OutgoingRequest(route.resource(), method, payloads.combine(format, records), confirmable,
                payloads.contentFormat(format));
    }

    /**
     * An upper bound of the body size of a batch of payloads with these total bytes, for every format: a JSON
     * array adds brackets and commas ({@code count + 1}); a CBOR array header is at most 3 bytes for up to 65,535
     * items, and merging SenML packs only drops bytes.
     */
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
        PayloadFormat format = payloads.formatOf(route);
        byte[] payload = payloads.encode(format, record.valueSchema(), record.value(), record.timestamp(), route);
        if (payload.length > maxPayloadBytes) {
            throw new EncodingException("the " + format + " payload is " + payload.length + " bytes, more than "
                    + "connect.coap.max.payload.bytes=" + maxPayloadBytes + "; raise the limit if the server accepts "
                    + "such bodies, or leave out fields with KCQL");
        }
        return new OutgoingRequest(route.resource(), method, payload, confirmable, payloads.contentFormat(format));
    }
}
