package io.github.coapsink.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.coapsink.address.Address;
import java.util.List;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.OptionSet;
import org.eclipse.californium.core.coap.Response;
import org.junit.jupiter.api.Test;

class ResponseClassifierTest {

    private static Response response(ResponseCode code, Long maxAge) {
        Response r = new Response(code);
        if (maxAge != null) {
            r.getOptions().setMaxAge(maxAge);
        }
        return r;
    }

    @Test
    void maxAgeWith503Or429IsTheWaitTheServerAskedFor() {
        assertThat(ResponseClassifier.classify(response(ResponseCode.SERVICE_UNAVAILABLE, 30L), "PUT x")
                .retryAfterMillis()).isEqualTo(30_000);
        assertThat(ResponseClassifier.classify(response(ResponseCode.TOO_MANY_REQUESTS, 5L), "PUT x")
                .retryAfterMillis()).isEqualTo(5_000);
        assertThat(ResponseClassifier.classify(response(ResponseCode.SERVICE_UNAVAILABLE, null), "PUT x")
                .retryAfterMillis()).isZero();
        assertThat(ResponseClassifier.classify(response(ResponseCode.INTERNAL_SERVER_ERROR, 30L), "PUT x")
                .retryAfterMillis()).as("Max-Age means a wait only with 5.03 and 4.29").isZero();
    }

    @Test
    void aFailedConditionIsPermanentWithItsOwnMessage() {
        SendResult r = ResponseClassifier.classify(response(ResponseCode.PRECONDITION_FAILED, null), "PUT h/x");
        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.PERMANENT);
        assertThat(r.detail()).startsWith("PUT h/x answered 4.12").contains("If-Match / If-None-Match")
                .contains("not retried");
        assertThat(ResponseClassifier.classify(response(ResponseCode.CHANGED, null), "PUT h/x").delivered()).isTrue();
    }

    @Test
    void theAddressAndTheRecordsOptionsAreWrittenOptionByOption() {
        OptionSet options = new OptionSet();
        RequestOptions extra = new RequestOptions(60, 50, List.of(new byte[] {1}), true, List.of(new byte[] {2}), 9L,
                List.of("b=2"));
        OutgoingRequest request = new OutgoingRequest(new Address(List.of("dev", "a/b", "room 7"), List.of("a=1")),
                OutgoingRequest.Method.PUT, new byte[] {1}, true, 50, extra);
        RequestOptionsWriter.write(options, "api/v1", request);
        assertThat(options.getUriPath()).containsExactly("api", "v1", "dev", "a/b", "room 7");
        assertThat(options.getUriQuery()).containsExactly("a=1", "b=2");
        assertThat(options.getContentFormat()).as("the header wins over the format's").isEqualTo(60);
        assertThat(options.getAccept()).isEqualTo(50);
        assertThat(options.getIfMatch()).hasSize(1);
        assertThat(options.hasIfNoneMatch()).isTrue();
        assertThat(options.getETags()).hasSize(1);
        assertThat(options.getMaxAge()).isEqualTo(9L);
    }
}
