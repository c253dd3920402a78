package io.github.coapsink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.github.coapsink.embedded.ConnectRestClient;
import io.github.coapsink.embedded.EmbeddedKafka;
import io.github.coapsink.testserver.CoapTestServer;
import io.github.coapsink.testserver.ReceivedRequest;
import io.github.coapsink.testing.LibcoapServer;
import io.github.coapsink.testing.StandaloneSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every payload format end to end: a real broker and Connect worker, the Californium test server, and libcoap's
 * coap-server-notls as the peer nobody here wrote (what it stored is read back with coap-client-notls -o).
 * The CBOR is decoded with com.upokecenter:cbor, not with the Jackson that wrote it.
 */
class PayloadFormatsIT {

    private static final Duration WAIT = StandaloneSink.WAIT;
    private static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";
    private static final String BYTES_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    @RegisterExtension
    static final StandaloneSink sink = StandaloneSink.named("payload-formats");

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private CoapTestServer server;
    private String topic;
    private final List<LibcoapServer> libcoapServers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        kafka = sink.kafka();
        topic = sink.topic();
        server = CoapTestServer.builder().host("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
        libcoapServers.forEach(LibcoapServer::close);
    }

    private Map<String, String> config(String uri, String kcql, String valueConverter) {
        Map<String, String> c = sink.config(uri, kcql);
        c.put("value.converter", valueConverter);
        if (valueConverter.equals(JSON_CONVERTER)) {
            c.put("value.converter.schemas.enable", "true");
        }
        return c;
    }

    /** The seed's User with its schema, as JsonConverter (or Avro) hands it over: a Struct. */
    private static String user(String first, int age, double salary) {
        return "{\"schema\":{\"type\":\"struct\",\"name\":\"User\",\"optional\":false,\"fields\":["
                + "{\"field\":\"firstName\",\"type\":\"string\",\"optional\":false},"
                + "{\"field\":\"age\",\"type\":\"int32\",\"optional\":false},"
                + "{\"field\":\"salary\",\"type\":\"double\",\"optional\":false},"
                + "{\"field\":\"photo\",\"type\":\"bytes\",\"optional\":true},"
                + "{\"field\":\"address\",\"type\":\"struct\",\"optional\":true,\"fields\":["
                + "{\"field\":\"city\",\"type\":\"string\",\"optional\":true}]}]},"
                + "\"payload\":{\"firstName\":\"" + first + "\",\"age\":" + age + ",\"salary\":" + salary
                + ",\"photo\":\"AQID\",\"address\":{\"city\":\"Leeds\"}}}";
    }

    private List<ReceivedRequest> requests(String path, int count) {
        await().atMost(WAIT).until(() -> server.requests(path).size() >= count);
        return server.requests(path);
    }

    @Test
    void cborFromAStructWithProjection() {
        kafka.createTopic(topic, 1);
        sink.run(config(server.plainUri(), "INSERT INTO users SELECT firstName AS name, age, photo, address.city AS city FROM "
                + topic + " STOREAS CBOR", JSON_CONVERTER));
        kafka.send(topic, null, user("John", 30, 4830));
        ReceivedRequest r = requests("users", 1).get(0);
        assertThat(r.contentFormat()).isEqualTo(60);
        CBORObject o = CBORObject.DecodeFromBytes(r.payload());
        assertThat(o.size()).isEqualTo(4);
        assertThat(o.get("name").AsString()).isEqualTo("John");
        assertThat(o.get("age").AsInt32Value()).isEqualTo(30);
        assertThat(o.get("photo").GetByteString()).containsExactly(1, 2, 3);
        assertThat(o.get("city").AsString()).isEqualTo("Leeds");
        sink.awaitCommitted(topic, 0, 1);
    }

    @Test
    void senmlFromTheKeyWithTheRecordTimestampAndUnits() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO sensors/room1 SELECT * FROM " + topic,
                STRING_CONVERTER);
        c.put("connect.coap.payload.format", "SENML_CBOR");
        c.put("connect.coap.senml.units", "temp=Cel,pos/lat=lat");
        sink.run(c);
        kafka.send(topic, (String) null, "{\"temp\":21.5,\"on\":true,\"pos\":{\"lat\":59.91},\"note\":null}",
                1_700_000_000_250L, Map.of());
        ReceivedRequest r = requests("sensors/room1", 1).get(0);
        assertThat(r.contentFormat()).isEqualTo(112);
        CBORObject pack = CBORObject.DecodeFromBytes(r.payload());
        assertThat(pack.getType()).isEqualTo(CBORType.Array);
        assertThat(pack.size()).isEqualTo(3);
        CBORObject first = pack.get(0);
        assertThat(first.get(CBORObject.FromObject(-2)).AsString()).isEqualTo("sensors/room1/");
        assertThat(first.get(CBORObject.FromObject(-3)).AsDoubleValue()).isEqualTo(1_700_000_000.25);
        assertThat(first.get(CBORObject.FromObject(0)).AsString()).isEqualTo("temp");
        assertThat(first.get(CBORObject.FromObject(1)).AsString()).isEqualTo("Cel");
        assertThat(first.get(CBORObject.FromObject(2)).AsDoubleValue()).isEqualTo(21.5);
        assertThat(pack.get(1).get(CBORObject.FromObject(4)).AsBoolean()).isTrue();
        assertThat(pack.get(2).get(CBORObject.FromObject(0)).AsString()).isEqualTo("pos/lat");
        assertThat(pack.get(2).get(CBORObject.FromObject(1)).AsString()).isEqualTo("lat");
    }

    @Test
    void storeAsWinsOverTheKeyPerRoute() {
        String texts = topic + "_text";
        String senml = topic + "_senml";
        kafka.createTopic(topic, 1);
        kafka.createTopic(texts, 1);
        kafka.createTopic(senml, 1);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO cbor SELECT * FROM " + topic
                + "; INSERT INTO text SELECT * FROM " + texts + " STOREAS TEXT"
                + "; INSERT INTO senml SELECT t AS temperature FROM " + senml + " STOREAS SENML_JSON", STRING_CONVERTER);
        c.put("topics", String.join(",", topic, texts, senml));
        c.put("connect.coap.payload.format", "CBOR");
        sink.run(c);
        kafka.send(topic, null, "{\"a\":[1,2.5]}");
        kafka.send(texts, null, "21.5 °C");
        kafka.send(senml, null, "{\"t\":19.5,\"h\":40}");

        ReceivedRequest cbor = requests("cbor", 1).get(0);
        assertThat(cbor.contentFormat()).isEqualTo(60);
        assertThat(CBORObject.DecodeFromBytes(cbor.payload()).get("a").get(1).AsDoubleValue()).isEqualTo(2.5);
        ReceivedRequest text = requests("text", 1).get(0);
        assertThat(text.contentFormat()).isEqualTo(0);
        assertThat(text.payloadText()).isEqualTo("21.5 °C");
        ReceivedRequest pack = requests("senml", 1).get(0);
        assertThat(pack.contentFormat()).isEqualTo(110);
        assertThat(pack.payloadText()).startsWith("[{\"bn\":\"senml/\",\"bt\":").endsWith(",\"n\":\"temperature\",\"v\":19.5}]");
    }

    @Test
    void bytesAreSentUnchangedWithTheConfiguredContentFormat() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO raw SELECT * FROM " + topic, BYTES_CONVERTER);
        c.put("connect.coap.payload.format", "BYTES");
        c.put("connect.coap.content.format", "11542");
        sink.run(c);
        byte[] bytes = {(byte) 0xde, (byte) 0xad, 0x00, (byte) 0xbe, (byte) 0xef, '\n'};
        kafka.send(topic, null, bytes);
        ReceivedRequest r = requests("raw", 1).get(0);
        assertThat(r.contentFormat()).isEqualTo(11542);
        assertThat(r.payload()).isEqualTo(bytes);
    }

    @Test
    void batchedSenmlIsOnePackPerRequest() {
        kafka.createTopic(topic, 1);
        Map<String, String> c = config(server.plainUri(), "INSERT INTO packs SELECT * FROM " + topic
                + " STOREAS SENML_CBOR", STRING_CONVERTER);
        c.put("connect.coap.batch.max.records", "8");
        int n = 40;
        for (int i = 0; i < n; i++) {
            kafka.send(topic, (String) null, "{\"seq\":" + i + "}", 1_700_000_000_000L + i * 1000L, Map.of());
        }
        sink.run(c);
        await().atMost(WAIT).until(() -> seqs(server.requests("packs")).size() >= n);
        List<ReceivedRequest> requests = server.requests("packs");
        assertThat(requests).allSatisfy(r -> assertThat(r.contentFormat()).isEqualTo(112));
        assertThat(requests.size()).as("records shared requests").isLessThan(n);
        assertThat(seqs(requests)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).boxed().toList());
        for (ReceivedRequest r : requests) {
            CBORObject pack = CBORObject.DecodeFromBytes(r.payload());
            for (int i = 0; i < pack.size(); i++) {
                CBORObject record = pack.get(i);
                long seq = record.get(CBORObject.FromObject(2)).AsInt64Value();
                assertThat(record.get(CBORObject.FromObject(-3)).AsInt64Value()).as("each record its own bt")
                        .isEqualTo(1_700_000_000L + seq);
            }
        }
        sink.awaitCommitted(topic, 0, n);
    }

    private static List<Integer> seqs(List<ReceivedRequest> requests) {
        List<Integer> seqs = new ArrayList<>();
        for (ReceivedRequest r : requests) {
            CBORObject pack = CBORObject.DecodeFromBytes(r.payload());
            for (int i = 0; i < pack.size(); i++) {
                seqs.add(pack.get(i).get(CBORObject.FromObject(2)).AsInt32Value());
            }
        }
        return seqs;
    }

    @Test
    void valuesThatDoNotFitTheFormatGoToTheDeadLetterQueue() {
        String text = topic + "_text";
        kafka.createTopic(topic, 1);
        kafka.createTopic(text, 1);
        String dlq = topic + "_dlq";
        Map<String, String> c = config(server.plainUri(), "INSERT INTO senml SELECT * FROM " + topic
                + " STOREAS SENML_JSON; INSERT INTO text SELECT * FROM " + text + " STOREAS TEXT", JSON_CONVERTER);
        c.put("value.converter.schemas.enable", "false");
        c.put("topics", topic + "," + text);
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", dlq);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        sink.run(c);
        kafka.send(topic, null, "{\"t\":1}");
        kafka.send(topic, null, "{\"gone\":null}");
        kafka.send(topic, null, "42");
        kafka.send(text, null, "{\"not\":\"a string\"}");
        kafka.send(text, null, "\"a string\"");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 3, WAIT);
        assertThat(dead).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("{\"gone\":null}", "42", "{\"not\":\"a string\"}");
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            for (Header h : r.headers()) {
                if (h.key().equals("__connect.errors.exception.message")) {
                    reasons.add(new String(h.value(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(reasons).anySatisfy(m -> assertThat(m).contains("nothing SenML can carry"))
                .anySatisfy(m -> assertThat(m).contains("SenML needs a value with fields"))
                .anySatisfy(m -> assertThat(m).contains("TEXT"));
        assertThat(requests("senml", 1)).hasSize(1);
        assertThat(requests("text", 1).get(0).payloadText()).isEqualTo("a string");
        sink.awaitCommitted(topic, 0, 3);
        sink.awaitCommitted(text, 0, 2);
    }

    @Test
    void validateRejectsAProjectionForBytesAndBatchingForText() {
        Map<String, String> c = config(server.plainUri(), "INSERT INTO x SELECT a FROM " + topic + " STOREAS BYTES",
                BYTES_CONVERTER);
        ConnectRestClient.ConfigValidation result = sink.connect().validate("CoapSinkConnector", c);
        assertThat(result.errorsFor("connect.coap.kcql")).anySatisfy(e -> assertThat(e).contains("STOREAS BYTES")
                .contains("SELECT *"));
        c = config(server.plainUri(), "INSERT INTO x SELECT * FROM " + topic, STRING_CONVERTER);
        c.put("connect.coap.payload.format", "TEXT");
        c.put("connect.coap.batch.max.records", "5");
        result = sink.connect().validate("CoapSinkConnector", c);
        assertThat(result.errorsFor("connect.coap.batch.max.records")).anySatisfy(e -> assertThat(e)
                .contains("connect.coap.payload.format=TEXT"));
        c.put("connect.coap.payload.format", "SENML_CBOR");
        assertThat(sink.connect().validate("CoapSinkConnector", c).errorCount()).isZero();
    }

    // ---------------------------------------------------------------- libcoap

    @Test
    void everyFormatStoredByLibcoapReadsBack() throws Exception {
        LibcoapServer libcoap = libcoap();
        int port = libcoap.port();
        String[] formats = {"JSON", "CBOR", "SENML_JSON", "SENML_CBOR", "BYTES"};
        StringBuilder kcql = new StringBuilder();
        List<String> topics = new ArrayList<>();
        for (String f : formats) {
            String t = topic + "_" + f.toLowerCase();
            kafka.createTopic(t, 1);
            topics.add(t);
            kcql.append("INSERT INTO lib/").append(f.toLowerCase()).append(" SELECT * FROM ").append(t)
                    .append(" STOREAS ").append(f).append(";");
        }
        Map<String, String> c = config("coap://127.0.0.1:" + port, kcql.toString(), BYTES_CONVERTER);
        c.put("topics", String.join(",", topics));
        c.put("connect.coap.senml.base.name", "urn:dev:ow:10e2073a01080063:");
        sink.run(c);
        String reading = "{\"voltage\":120.1,\"current\":1.2}";
        byte[] raw = {0x00, (byte) 0xff, 0x7f, (byte) 0x80, '\r', '\n'};
        for (int i = 0; i < formats.length; i++) {
            byte[] value = formats[i].equals("BYTES") ? raw : reading.getBytes(StandardCharsets.UTF_8);
            kafka.send(topics.get(i), null, value, 1_276_020_076_000L, Map.of());
        }
        for (String t : topics) {
            sink.awaitCommitted(t, 0, 1);
        }
        assertThat(new String(libcoap.getBytes("lib/json"), StandardCharsets.UTF_8)).isEqualTo(reading);
        CBORObject cbor = CBORObject.DecodeFromBytes(libcoap.getBytes("lib/cbor"));
        assertThat(cbor.get("voltage").AsDoubleValue()).isEqualTo(120.1);
        assertThat(cbor.get("current").AsDoubleValue()).isEqualTo(1.2);
        assertThat(new String(libcoap.getBytes("lib/senml_json"), StandardCharsets.UTF_8)).isEqualTo(
                "[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1276020076,\"n\":\"voltage\",\"v\":120.1},"
                        + "{\"n\":\"current\",\"v\":1.2}]");
        CBORObject pack = CBORObject.DecodeFromBytes(libcoap.getBytes("lib/senml_cbor"));
        assertThat(pack.get(0).get(CBORObject.FromObject(-2)).AsString()).isEqualTo("urn:dev:ow:10e2073a01080063:");
        assertThat(pack.get(0).get(CBORObject.FromObject(-3)).AsInt64Value()).isEqualTo(1_276_020_076L);
        assertThat(pack.get(1).get(CBORObject.FromObject(2)).AsDoubleValue()).isEqualTo(1.2);
        assertThat(libcoap.getBytes("lib/bytes")).isEqualTo(raw);
    }

    @Test
    void textStoredByLibcoapReadsBack() throws Exception {
        LibcoapServer libcoap = libcoap();
        int port = libcoap.port();
        kafka.createTopic(topic, 1);
        Map<String, String> c = config("coap://127.0.0.1:" + port, "INSERT INTO lib/text SELECT * FROM " + topic,
                STRING_CONVERTER);
        c.put("connect.coap.payload.format", "TEXT");
        sink.run(c);
        kafka.send(topic, null, "plain text ✓ {not json");
        sink.awaitCommitted(topic, 0, 1);
        assertThat(new String(libcoap.getBytes("lib/text"), StandardCharsets.UTF_8)).isEqualTo("plain text ✓ {not json");
    }

    /** libcoap's coap-server-notls on a free loopback port, stopped after the test. */
    private LibcoapServer libcoap() {
        LibcoapServer server = LibcoapServer.start(dir);
        libcoapServers.add(server);
        return server;
    }
}
