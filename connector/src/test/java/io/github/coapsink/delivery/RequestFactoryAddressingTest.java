package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.address.Address;
import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The request factory's addressing: templates resolved per record, tombstones, options from headers, batching. */
class RequestFactoryAddressingTest {

    private static RequestFactory factory(TombstonePolicy tombstones, boolean headers, PayloadFormat format) {
        return new RequestFactory(new PayloadEncoder(PlainStringPolicy.FAIL, format, 42,
                PayloadEncoder.SenmlSettings.defaults()), RequestMethod.PUT, true, tombstones, 1024, headers);
    }

    private static Route route(String kcql) {
        return KcqlParser.parse(kcql).get(0);
    }

    private static SinkRecord record(Object key, String value, ConnectHeaders headers) {
        return new SinkRecord("t", 0, Schema.OPTIONAL_STRING_SCHEMA, key, value == null ? null : Schema.STRING_SCHEMA,
                value, 7L, 1_700_000_000_000L, TimestampType.CREATE_TIME, headers);
    }

    private static OutgoingRequest send(RequestFactory.Built built) {
        assertThat(built).isInstanceOf(RequestFactory.Send.class);
        return ((RequestFactory.Send) built).request();
    }

    private static String bad(RequestFactory.Built built) {
        assertThat(built).isInstanceOf(RequestFactory.Bad.class);
        return ((RequestFactory.Bad) built).reason();
    }

    @Test
    void theTemplateIsResolvedPerRecordIntoOneOptionPerSegment() {
        RequestFactory f = factory(TombstonePolicy.SKIP, false, PayloadFormat.JSON);
        Route r = route("INSERT INTO \"devices/{{key}}/state?src={{topic}}\" SELECT * FROM t");
        OutgoingRequest a = send(f.build(record("a/b", "{\"n\":1}", new ConnectHeaders()), r));
        assertThat(a.address()).isEqualTo(new Address(List.of("devices", "a/b", "state"), List.of("src=t")));
        assertThat(a.resource()).isEqualTo("devices/a%2Fb/state?src=t");
        assertThat(a.options()).isSameAs(RequestOptions.NONE);
    }

    @Test
    void aRecordThatCannotBeAddressedIsBadNamingThePlaceholder() {
        RequestFactory f = factory(TombstonePolicy.SKIP, false, PayloadFormat.JSON);
        assertThat(bad(f.build(record(null, "{}", new ConnectHeaders()), route("INSERT INTO \"d/{{key}}\" SELECT * FROM t"))))
                .contains("d/{{key}}").contains("{{key}}");
        assertThat(bad(f.build(record("k", "{\"a\":1}", new ConnectHeaders()),
                route("INSERT INTO \"d/{{value.room}}\" SELECT * FROM t")))).contains("{{value.room}}");
    }

    @Test
    void tombstonesDeleteTheResolvedResourceOrAreBadWhenTheAddressNeedsTheValue() {
        RequestFactory f = factory(TombstonePolicy.DELETE, false, PayloadFormat.JSON);
        OutgoingRequest delete = send(f.build(record("k1", null, new ConnectHeaders()),
                route("INSERT INTO \"d/{{key}}\" SELECT * FROM t")));
        assertThat(delete.method()).isEqualTo(OutgoingRequest.Method.DELETE);
        assertThat(delete.address().path()).containsExactly("d", "k1");
        assertThat(bad(f.build(record("k1", null, new ConnectHeaders()),
                route("INSERT INTO \"d/{{value.id}}\" SELECT * FROM t")))).contains("tombstone");
        assertThat(factory(TombstonePolicy.SKIP, false, PayloadFormat.JSON).build(record(null, null,
                new ConnectHeaders()), route("INSERT INTO \"d/{{key}}\" SELECT * FROM t")))
                .isInstanceOf(RequestFactory.Skip.class);
    }

    @Test
    void headersBecomeOptionsOnlyWhenEnabled() {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("coap.content-format", "60");
        headers.addString("coap.if-match", "0a0b");
        Route r = route("INSERT INTO x SELECT * FROM t");
        OutgoingRequest with = send(factory(TombstonePolicy.SKIP, true, PayloadFormat.JSON).build(
                record("k", "{}", headers), r));
        assertThat(with.options().contentFormat()).isEqualTo(60);
        assertThat(with.options().conditional()).isTrue();
        OutgoingRequest without = send(factory(TombstonePolicy.SKIP, false, PayloadFormat.JSON).build(
                record("k", "{}", headers), r));
        assertThat(without.options()).isSameAs(RequestOptions.NONE);
        ConnectHeaders typo = new ConnectHeaders();
        typo.addString("coap.ifmatch", "0a0b");
        assertThat(bad(factory(TombstonePolicy.SKIP, true, PayloadFormat.JSON).build(record("k", "{}", typo), r)))
                .contains("coap.ifmatch");
    }

    @Test
    void theSenmlBaseNameIsTheRecordsResolvedResource() {
        RequestFactory f = factory(TombstonePolicy.SKIP, false, PayloadFormat.SENML_JSON);
        Route r = route("INSERT INTO \"dev/{{key}}\" SELECT * FROM t");
        OutgoingRequest a = send(f.build(record("k1", "{\"temp\":21}", new ConnectHeaders()), r));
        assertThat(new String(a.payload(), StandardCharsets.UTF_8)).contains("\"bn\":\"dev/k1/\"");
        assertThat(bad(f.build(record("room 7", "{\"temp\":21}", new ConnectHeaders()), r)))
                .contains("dev/room 7/").contains("connect.coap.senml.base.name");
    }

    @Test
    void theBatcherKeepsABatchToOneLane() {
        RequestFactory f = factory(TombstonePolicy.SKIP, false, PayloadFormat.JSON);
        Batcher b = new Batcher(10, f);
        Route r = route("INSERT INTO \"d/{{key}}\" SELECT * FROM t");
        SinkRecord k1 = record("k1", "{\"n\":1}", new ConnectHeaders());
        SinkRecord k1b = record("k1", "{\"n\":2}", new ConnectHeaders());
        SinkRecord k2 = record("k2", "{\"n\":3}", new ConnectHeaders());
        OutgoingRequest q1 = send(f.build(k1, r));
        OutgoingRequest q1b = send(f.build(k1b, r));
        OutgoingRequest q2 = send(f.build(k2, r));
        assertThat(b.batchable(q1)).isTrue();
        b.add(k1, r, q1);
        assertThat(b.blocking(k1b, q1b)).isNull();
        b.add(k1b, r, q1b);
        assertThat(b.blocking(k2, q2)).isNull();
        b.add(k2, r, q2);
        List<Batcher.Group> due = b.due();
        assertThat(due).as("another device is another lane").hasSize(2);
        Batcher.Group g = due.get(0);
        assertThat(g.records()).containsExactly(k1, k1b);
        assertThat(g.request().address().path()).containsExactly("d", "k1");
        assertThat(new String(g.request().payload(), StandardCharsets.UTF_8)).isEqualTo("[{\"n\":1},{\"n\":2}]");
        assertThat(due.get(1).records()).containsExactly(k2);
        due.forEach(b::sent);
        assertThat(b.oldest()).isNull();
        ConnectHeaders h = new ConnectHeaders();
        h.addString("coap.accept", "50");
        OutgoingRequest withOptions = send(factory(TombstonePolicy.SKIP, true, PayloadFormat.JSON).build(
                record("k1", "{}", h), r));
        assertThat(b.batchable(withOptions)).as("a record with its own options travels alone").isFalse();
    }
}
