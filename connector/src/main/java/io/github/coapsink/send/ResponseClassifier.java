package io.github.coapsink.send;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;

/** Decides whether a CoAP response means delivered, failed for good, or worth another try. */
final class ResponseClassifier {

    /** Every code's result, built once: classifying is on the path of every response. */
    private static final Map<ResponseCode, SendResult> BY_CODE = new EnumMap<>(ResponseCode.class);

    static {
        for (ResponseCode code : ResponseCode.values()) {
            BY_CODE.put(code, compute(code));
        }
    }

    private ResponseClassifier() {
    }

    /**
     * Classifies a server's answer to {@code what} (e.g. {@code PUT 10.0.0.5:5683/x}): a failure's detail names
     * the request and the code, a 4.12 says that the request's condition failed, and a 5.03 or 4.29 carries the
     * Max-Age the server asked us to wait (RFC 7252 section 5.9.3.4, RFC 8516).
     */
    static SendResult classify(Response response, String what) {
        return classify(response, what, false);
    }

    /** As {@link #classify(Response, String)}, keeping the answer in full when {@code keepAnswer}. */
    static SendResult classify(Response response, String what, boolean keepAnswer) {
        SendResult result = classifyCode(response, what);
        return keepAnswer ? result.withAnswer(CoapAnswer.of(response)) : result;
    }

    private static SendResult classifyCode(Response response, String what) {
        SendResult classified = classify(response.getCode());
        if (classified.delivered()) {
            return classified;
        }
        String detail = what + " answered " + classified.detail();
        if (response.getCode() == ResponseCode.PRECONDITION_FAILED) {
            detail += ": the condition of the request (If-Match / If-None-Match) did not hold: the resource changed "
                    + "or already exists; not retried";
        }
        SendResult result = new SendResult(classified.outcome(), classified.responseCode(), detail, classified.kind());
        boolean asksToWait = response.getCode() == ResponseCode.SERVICE_UNAVAILABLE
                || response.getCode() == ResponseCode.TOO_MANY_REQUESTS;
        if (asksToWait && response.getOptions().hasMaxAge()) {
            result = result.withRetryAfter(TimeUnit.SECONDS.toMillis(response.getOptions().getMaxAge()));
        }
        return result;
    }

    static SendResult classify(ResponseCode code) {
        return BY_CODE.get(code);
    }

    private static SendResult compute(ResponseCode code) {
        String text = code.codeClass + "." + String.format("%02d", code.codeDetail);
        String detail = text + " " + code.name();
        if (code.isSuccess()) {
            return SendResult.delivered(text);
        }
        switch (code) {
            // The server may accept the same request later: 4.08 (block-wise transfer lost its state),
            // 4.29 Too Many Requests (RFC 8516), and every 5.xx but "this will never work" ones.
            case REQUEST_ENTITY_INCOMPLETE:
            case TOO_MANY_REQUESTS:
                return SendResult.transientFailure(text, detail);
            case NOT_IMPLEMENTED:
            case PROXY_NOT_SUPPORTED:
                return SendResult.permanent(text, detail);
            default:
                return code.isServerError()
                        ? SendResult.transientFailure(text, detail)
                        : SendResult.permanent(text, detail);
        }
    }
}
