package io.github.coapsink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.send.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Headers;
import org.junit.jupiter.api.Test;

class HeaderOptionsTest {

    private static RequestOptions ok(Headers headers) {
        HeaderOptions.Result r = HeaderOptions.read(headers);
        assertThat(r).isInstanceOf(HeaderOptions.Ok.class);
        return ((HeaderOptions.Ok) r).options();
    }

    private static String bad(Headers headers) {
        HeaderOptions.Result r = HeaderOptions.read(headers);
        assertThat(r).isInstanceOf(HeaderOptions.Bad.class);
        return ((HeaderOptions.Bad) r).reason();
    }

    @Test
    void noCoapHeadersMeansNoOptions() {
        assertThat(ok(new ConnectHeaders())).isSameAs(RequestOptions.NONE);
        assertThat(ok(new ConnectHeaders().addString("trace-id", "abc"))).isSameAs(RequestOptions.NONE);
        assertThat(HeaderOptions.read(null)).isEqualTo(new HeaderOptions.Ok(RequestOptions.NONE));
    }

    @Test
    void everyOptionIsRead() {
        RequestOptions o = ok(new ConnectHeaders()
                .addString("coap.content-format", "application/cbor")
                .addInt("coap.accept", 50)
                .addString("coap.if-match", "0a1b, ffee")
                .addString("coap.if-none-match", "true")
                .addString("coap.etag", "0x01020304")
                .addLong("coap.max-age", 120)
                .addString("coap.uri-query", "a=1&b=two"));
        assertThat(o.contentFormat()).isEqualTo(60);
        assertThat(o.accept()).isEqualTo(50);
        assertThat(o.ifMatch()).extracting(b -> HexFormat.of().formatHex(b)).containsExactly("0a1b", "ffee");
        assertThat(o.ifNoneMatch()).isTrue();
        assertThat(o.etags()).extracting(b -> HexFormat.of().formatHex(b)).containsExactly("01020304");
        assertThat(o.maxAge()).isEqualTo(120L);
        assertThat(o.uriQuery()).containsExactly("a=1", "b=two");
        assertThat(o.conditional()).isTrue();
    }

    @Test
    void anEmptyIfMatchMeansTheResourceExistsAndTheLastHeaderWins() {
        RequestOptions o = ok(new ConnectHeaders().addString("coap.if-match", "aa").addString("coap.if-match", ""));
        assertThat(o.ifMatch()).hasSize(1);
        assertThat(o.ifMatch().get(0)).isEmpty();
        assertThat(ok(new ConnectHeaders().addBytes("coap.content-format", "0".getBytes(StandardCharsets.UTF_8)))
                .contentFormat()).isZero();
    }

    @Test
    void aValueTheOptionCannotHoldIsABadRecordNamingTheHeader() {
        assertThat(bad(new ConnectHeaders().addString("coap.content-format", "application/x-nope")))
                .contains("coap.content-format").contains("application/x-nope").contains("0 to 65535");
        assertThat(bad(new ConnectHeaders().addInt("coap.accept", 70_000))).contains("coap.accept").contains("70000");
        assertThat(bad(new ConnectHeaders().addString("coap.if-match", "xyz"))).contains("not hex");
        assertThat(bad(new ConnectHeaders().addString("coap.etag", "00112233445566778899"))).contains("10 bytes");
        assertThat(bad(new ConnectHeaders().addString("coap.etag", ""))).contains("empty ETag");
        assertThat(bad(new ConnectHeaders().addString("coap.if-none-match", "maybe"))).contains("true or false");
        assertThat(bad(new ConnectHeaders().addLong("coap.max-age", -1))).contains("coap.max-age");
        assertThat(bad(new ConnectHeaders().addString("coap.uri-query", "=x"))).contains("needs a name");
        assertThat(bad(new ConnectHeaders().addString("coap.accept", null))).contains("no value");
    }

    @Test
    void anUnknownCoapHeaderIsABadRecordSoTyposShow() {
        assertThat(bad(new ConnectHeaders().addString("coap.content-type", "application/json")))
                .contains("coap.content-type").contains("coap.content-format");
    }
}
