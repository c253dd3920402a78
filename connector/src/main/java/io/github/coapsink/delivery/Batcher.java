package io.github.coapsink.delivery;

import io.github.coapsink.address.Address;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Gathers consecutive records of one lane (one partition, one resolved address, one route) into one request
 * ({@code connect.coap.batch.max.records}), capped by count and by {@code connect.coap.max.payload.bytes}. Only
 * consecutive records: a record of another lane closes the batch, so that a partition's records are still handed
 * over in offset order. Not thread-safe: the task thread uses it.
 */
public final class Batcher {

    /** Records that travel in one request. */
    public record Group(List<SinkRecord> records, OutgoingRequest request) {
    }

    private final int maxRecords;
    private final RequestFactory requests;
    private final List<SinkRecord> records = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    private TopicPartition partition;
    private Route route;
    private Address address;
    private int bytes;

    public Batcher(int maxRecords, RequestFactory requests) {
        this.maxRecords = maxRecords;
        this.requests = Objects.requireNonNull(requests, "requests");
    }

    /**
     * Whether this request may travel with others: batching is on, it has a body (a DELETE has none), no options
     * of its own, and its body fits a batch of one.
     */
    public boolean batchable(OutgoingRequest request) {
        return maxRecords > 1 && request.method() != OutgoingRequest.Method.DELETE
                && request.options() == RequestOptions.NONE
                && RequestFactory.batchBytes(request.payload().length, 1) <= requests.maxPayloadBytes();
    }

    /** Whether a batchable request joins the open batch (or the batch is empty); else take the batch first. */
    public boolean fits(SinkRecord record, Route r, OutgoingRequest request) {
        return records.isEmpty() || (partitionOf(record).equals(partition) && r == route
                && request.address().equals(address) && records.size() < maxRecords
                && RequestFactory.batchBytes(bytes + request.payload().length, records.size() + 1)
                        <= requests.maxPayloadBytes());
    }

    public void add(SinkRecord record, Route r, OutgoingRequest request) {
        partition = partitionOf(record);
        route = r;
        address = request.address();
        records.add(record);
        payloads.add(request.payload());
        bytes += request.payload().length;
    }

    /** The open batch as one request, or null when it is empty; the batcher is empty afterwards. */
    public Group take() {
        if (records.isEmpty()) {
            return null;
        }
        Group group = new Group(List.copyOf(records), requests.batch(route, address, payloads));
        records.clear();
        payloads.clear();
        bytes = 0;
        return group;
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.topic(), record.kafkaPartition());
    }
}
