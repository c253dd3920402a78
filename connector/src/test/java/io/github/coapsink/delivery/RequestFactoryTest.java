package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import io.github.coapsink.address.Address;
import io.github.coapsink.config.RequestMethod;
import io.github.coapsink.config.TombstonePolicy;
import io.github.coapsink.encode.EncodingException;
import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.send.OutgoingRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class RequestFactoryTest {

    private static RequestFactory factory(PayloadFormat defaultFormat, int bytesContentFormat) {
        return new RequestFactory(new PayloadEncoder(PlainStringPolicy.FAIL, defaultFormat, bytesContentFormat,
                PayloadEncoder.SenmlSettings.defaults()), RequestMethod.PUT, true, TombstonePolicy.SKIP, 1024);
    }

    private static final Address ADDRESS = new Address(List.of("r"), List.of());

    private static OutgoingRequest send(RequestFactory.Built built) {
        assertThat(built).isInstanceOf(RequestFactory.Send.class);
        return ((RequestFactory.Send) built).request();
    }

    private static String bad(RequestFactory.Built built) {
        assertThat(built).isInstanceOf(RequestFactory.Bad.class);
        return ((RequestFactory.Bad) built).reason();
    }

    private static Route route(String kcql) {
        return KcqlParser.parse(kcql).get(0);
    }

    private static SinkRecord record(Schema schema, Object value) {
        return new SinkRecord("t", 0, null, null, schema, value, 7L, 1_700_000_000_000L, TimestampType.CREATE_TIME);
    }

    @Test
    void eachFormatCarriesItsContentFormat() {
        RequestFactory f = factory(PayloadFormat.JSON, 42);
        String json = "{\"t\":21.5}";
        assertThat(send(f.build(record(null, json), route("INSERT INTO r SELECT * FROM t"))).contentFormat()).isEqualTo(50);
        assertThat(send(f.build(record(null, json), route("INSERT INTO r SELECT * FROM t STOREAS CBOR"))).contentFormat())
                .isEqualTo(60);
        assertThat(send(f.build(record(null, json), route("INSERT INTO r SELECT * FROM t STOREAS senml_json"))).contentFormat())
                .isEqualTo(110);
        assertThat(send(f.build(record(null, json), route("INSERT INTO r SELECT * FROM t STOREAS SENML_CBOR"))).contentFormat())
                .isEqualTo(112);
        assertThat(send(f.build(record(null, json), route("INSERT INTO r SELECT * FROM t STOREAS TEXT"))).contentFormat())
                .isEqualTo(0);
        OutgoingRequest bytes = send(f.build(record(Schema.BYTES_SCHEMA, new byte[] {1, 2}),
                route("INSERT INTO r SELECT * FROM t STOREAS BYTES")));
        assertThat(bytes.contentFormat()).isEqualTo(42);
        assertThat(bytes.payload()).containsExactly(1, 2);
        assertThat(send(factory(PayloadFormat.BYTES, 11_542).build(record(null, ByteBuffer.wrap(new byte[] {3})),
                route("INSERT INTO r SELECT * FROM t"))).contentFormat()).as("connect.coap.content.format").isEqualTo(11_542);
    }

    @Test
    void storeAsWinsOverTheConnectorsFormat() {
        RequestFactory f = factory(PayloadFormat.CBOR, 42);
        OutgoingRequest cbor = send(f.build(record(null, Map.of("a", 1)), route("INSERT INTO r SELECT * FROM t")));
        assertThat(cbor.contentFormat()).isEqualTo(60);
        assertThat(CBORObject.DecodeFromBytes(cbor.payload()).get("a").AsInt32Value()).isEqualTo(1);
        OutgoingRequest json = send(f.build(record(null, Map.of("a", 1)), route("INSERT INTO r SELECT * FROM t STOREAS JSON")));
        assertThat(json.contentFormat()).isEqualTo(50);
        assertThat(new String(json.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    }

    @Test
    void textSendsTheStringAsUtf8AndRefusesOtherValues() {
        RequestFactory f = factory(PayloadFormat.TEXT, 42);
        Route r = route("INSERT INTO r SELECT * FROM t");
        assertThat(send(f.build(record(Schema.STRING_SCHEMA, "21.5 °C"), r)).payload())
                .isEqualTo("21.5 °C".getBytes(StandardCharsets.UTF_8));
        assertThat(bad(f.build(record(null, Map.of("a", 1)), r))).contains("TEXT").contains("java.util");
        assertThat(bad(f.build(record(Schema.BYTES_SCHEMA, new byte[] {1}), r))).contains("STOREAS BYTES");
    }

    @Test
    void bytesSendsTheValueUnchangedAndRefusesOtherValues() {
        RequestFactory f = factory(PayloadFormat.BYTES, 42);
        Route r = route("INSERT INTO r SELECT * FROM t");
        byte[] raw = {(byte) 0xde, (byte) 0xad, 0, (byte) 0xbe, (byte) 0xef};
        assertThat(send(f.build(record(null, raw), r)).payload()).isEqualTo(raw);
        assertThat(bad(f.build(record(Schema.STRING_SCHEMA, "text"), r))).contains("BYTES").contains("ByteArrayConverter");
    }

    @Test
    void batchesAreOneArrayOrOnePackInTheRoutesFormat() {
        RequestFactory f = factory(PayloadFormat.JSON, 42);
        Route json = route("INSERT INTO r SELECT * FROM t");
        OutgoingRequest a = f.batch(json, ADDRESS, List.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                "{\"a\":2}".getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(a.payload(), StandardCharsets.UTF_8)).isEqualTo("[{\"a\":1},{\"a\":2}]");
        assertThat(a.contentFormat()).isEqualTo(50);

        Route cbor = route("INSERT INTO r SELECT * FROM t STOREAS CBOR");
        OutgoingRequest c = f.batch(cbor, ADDRESS, List.of(send(f.build(record(null, Map.of("a", 1)), cbor)).payload(),
                send(f.build(record(null, Map.of("a", 2)), cbor)).payload()));
        assertThat(c.contentFormat()).isEqualTo(60);
        assertThat(CBORObject.DecodeFromBytes(c.payload()).get(1).get("a").AsInt32Value()).isEqualTo(2);

        Route senml = route("INSERT INTO r SELECT * FROM t STOREAS SENML_JSON");
        OutgoingRequest s = f.batch(senml, ADDRESS, List.of(send(f.build(record(null, Map.of("a", 1)), senml)).payload(),
                send(f.build(record(null, Map.of("a", 2)), senml)).payload()));
        assertThat(s.contentFormat()).isEqualTo(110);
        assertThat(new String(s.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "[{\"bn\":\"r/\",\"bt\":1700000000,\"n\":\"a\",\"v\":1},{\"bn\":\"r/\",\"bt\":1700000000,\"n\":\"a\",\"v\":2}]");
    }
}
