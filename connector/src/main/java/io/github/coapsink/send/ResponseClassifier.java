package io.github.coapsink.send;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/** Decides whether a CoAP response means delivered, failed for good, or worth another try. */
final class ResponseClassifier {

    private ResponseClassifier() {
    }

    static SendResult classify(ResponseCode code) {
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
