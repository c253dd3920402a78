package io.github.coapsink.send;

import java.util.List;
import java.util.Objects;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.OptionSet;
import org.eclipse.californium.core.coap.Response;

/**
 * What a server answered, kept only when the sink writes answers back to Kafka
 * ({@code connect.coap.response.topic}): the code, the body and the options a caller acts on.
 *
 * @param code the response code as text, e.g. {@code 2.05}
 * @param codeName the code's name in RFC 7252's registry, e.g. {@code CONTENT}
 * @param contentFormat the Content-Format option, or -1 when the answer has none
 * @param payload the body (the whole body of a block-wise answer), empty when there is none
 * @param etags the ETag options, each as lower-case hex
 * @param locationPath the Location-Path options joined with '/', empty when there are none (RFC 7252 5.10.7)
 * @param locationQuery the Location-Query options joined with '&', empty when there are none
 * @param maxAge the Max-Age option in seconds, or -1 when the answer has none
 */
public record CoapAnswer(String code, String codeName, int contentFormat, byte[] payload, List<String> etags,
        String locationPath, String locationQuery, long maxAge) {

    public CoapAnswer {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(codeName, "codeName");
        payload = payload == null ? new byte[0] : payload;
        etags = List.copyOf(etags);
        Objects.requireNonNull(locationPath, "locationPath");
        Objects.requireNonNull(locationQuery, "locationQuery");
    }

    /** The answer as Californium received it. */
    static CoapAnswer of(Response response) {
        ResponseCode rc = response.getCode();
        OptionSet options = response.getOptions();
        List<String> etags = options.getETagCount() == 0 ? List.of()
                : options.getETags().stream().map(CoapAnswer::hex).toList();
        return new CoapAnswer(codeText(rc), rc.name(), options.hasContentFormat() ? options.getContentFormat() : -1,
                response.getPayload(), etags, options.getLocationPathCount() == 0 ? "" : options.getLocationPathString(),
                options.getLocationQueryCount() == 0 ? "" : options.getLocationQueryString(),
                options.hasMaxAge() ? options.getMaxAge() : -1);
    }

    static String codeText(ResponseCode code) {
        return code.codeClass + "." + (code.codeDetail < 10 ? "0" : "") + code.codeDetail;
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
