package io.github.coapsink.delivery;

import io.github.coapsink.address.Address;
import io.github.coapsink.address.Resolution;
import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.EncodingException;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.encode.RecordEncoder;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.RequestOptions;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns a routed record into the CoAP request that carries it: its address (the route's resource template
 * resolved for the record), its options (from the record's headers, when enabled), its body in the route's
 * payload format. The outcome is one value: send this request, skip the record, or the record is bad.
 */
public final class RequestFactory {

    private static final byte[] NO_PAYLOAD = new byte[0];

    /** What becomes of one record. */
    public sealed interface Built permits Send, Skip, Bad {
    }

    /** Send this request. */
    public record Send(OutgoingRequest request) implements Built {
    }

    /** Nothing to send (a tombstone under SKIP): the record is done. */
    public record Skip() implements Built {
    }

    /** The record cannot be sent: the error policy or the dead-letter queue decides. */
    public record Bad(String reason, Throwable cause) implements Built {
    }

    private static final Skip SKIP = new Skip();

    private final PayloadEncoder payloads;
    private final OutgoingRequest.Method method;
    private final boolean confirmable;
    private final TombstonePolicy tombstones;
    private final int maxPayloadBytes;
    private final boolean optionsFromHeaders;

    public RequestFactory(PayloadEncoder payloads, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes, boolean optionsFromHeaders) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.payloads = payloads;
        this.method = method == RequestMethod.POST ? OutgoingRequest.Method.POST : OutgoingRequest.Method.PUT;
        this.confirmable = confirmable;
        this.tombstones = tombstones;
        this.optionsFromHeaders = optionsFromHeaders;
    }

    public RequestFactory(PayloadEncoder payloads, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes) {
        this(payloads, method, confirmable, tombstones, maxPayloadBytes, false);
    }

    /** Every route JSON. */
    public RequestFactory(RecordEncoder encoder, RequestMethod method, boolean confirmable, TombstonePolicy tombstones,
            int maxPayloadBytes) {
        this(PayloadEncoder.json(encoder, PlainStringPolicy.FAIL), method, confirmable, tombstones, maxPayloadBytes);
    }

    /**
     * One request carrying several records' payloads of one route and address: a JSON array {@code [p1,p2,...]},
     * a CBOR array, or one SenML pack.
     */
    public OutgoingRequest batch(Route route, Address address, List<byte[]> records) {
        PayloadFormat format = payloads.formatOf(route);
        return new OutgoingRequest(address, method, payloads.combine(format, records), confirmable,
                payloads.contentFormat(format), RequestOptions.NONE);
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

    public Built build(SinkRecord record, Route route) {
        if (record.value() == null && tombstones == TombstonePolicy.SKIP) {
            return SKIP;
        }
        if (record.value() == null && tombstones == TombstonePolicy.FAIL) {
            return new Bad("the record value is null (a tombstone); set connect.coap.tombstone.policy=SKIP to skip "
                    + "tombstones or DELETE to delete the resource", null);
        }
        Resolution resolution = route.template().resolve(record);
        if (resolution instanceof Resolution.Unresolvable u) {
            return new Bad("cannot address the record for resource '" + route.resource() + "': " + u.reason(), null);
        }
        Address address = ((Resolution.Resolved) resolution).address();
        RequestOptions options = RequestOptions.NONE;
        if (optionsFromHeaders) {
            HeaderOptions.Result read = HeaderOptions.read(record.headers());
            if (read instanceof HeaderOptions.Bad bad) {
                return new Bad(bad.reason(), null);
            }
            options = ((HeaderOptions.Ok) read).options();
        }
        if (record.value() == null) {
            return new Send(new OutgoingRequest(address, OutgoingRequest.Method.DELETE, NO_PAYLOAD, confirmable,
                    OutgoingRequest.JSON, options));
        }
        PayloadFormat format = payloads.formatOf(route);
        byte[] payload;
        try {
            // only SenML names the resource in the body: the other formats do not need the path joined
            payload = format == PayloadFormat.SENML_JSON || format == PayloadFormat.SENML_CBOR
                    ? payloads.encode(format, record.valueSchema(), record.value(), record.timestamp(), route,
                            String.join("/", address.path()))
                    : payloads.encode(format, record.valueSchema(), record.value(), record.timestamp(), route);
        } catch (EncodingException e) {
            return new Bad(e.getMessage(), e);
        }
        if (payload.length > maxPayloadBytes) {
            return new Bad("the " + format + " payload is " + payload.length + " bytes, more than "
                    + "connect.coap.max.payload.bytes=" + maxPayloadBytes + "; raise the limit if the server accepts "
                    + "such bodies, or leave out fields with KCQL", null);
        }
        return new Send(new OutgoingRequest(address, method, payload, confirmable, payloads.contentFormat(format),
                options));
    }
}
