package io.github.coapsink.send;

import io.github.coapsink.config.CoapSinkConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.scandium.dtls.DtlsException;
import org.eclipse.californium.scandium.dtls.DtlsHandshakeTimeoutException;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request from the moment it is handed to the sender to its {@link SendResult}.
 *
 * <ul>
 * <li><b>Deadline.</b> {@code connect.coap.request.timeout.ms} counts from when the request goes out: when an
 * endpoint with a free message ID takes it (a request that waits because every endpoint has spent its IDs is not
 * yet sent and cannot time out), and for a block-wise body (RFC 7959) after it left its resource's line in the
 * {@link BlockwiseQueue}. A block-wise body of many blocks needs one round trip per block, so there
 * the timeout bounds the wait for each block: it starts again whenever a block is sent, and the transfer fails
 * only when one block gets no answer in time.</li>
 * <li><b>Outcome.</b> CON: the server's answer (after Californium's retransmissions). NON: delivered once the
 * datagram was sent; a NON body larger than one message is delivered only when the server answered its last
 * block (each block of a block-wise transfer waits for the server's answer to the one before), and a cancelled
 * or failed transfer is a failure, never a delivery.</li>
 * <li><b>Release.</b> However the result completes (answer, timeout, the caller cancelling or completing it,
 * the sender closing), the Californium request is cancelled if it is still live, which stops its
 * retransmissions and removes its exchange from Californium's store. A NON request has no answer to wait for
 * (no No-Response option, RFC 7967), so without this its exchange would stay in the store for good and, once
 * its message ID is handed out again after EXCHANGE_LIFETIME, collide with the new one
 * ("generated mid ... already in use").</li>
 * </ul>
 *
 * <p>Per request, only what every request needs is done: the deadline is a field that the sender's
 * {@link Deadlines} sweep reads (no timer task per request), and the texts that name the request ({@link #what()})
 * are built only when a failure is described.
 */
final class SendExchange implements Deadlines.Timed {

    private static final Logger log = LoggerFactory.getLogger(SendExchange.class);

    /** How often a request that found every endpoint out of message IDs looks again. */
    private static final long NO_ID_RETRY_MILLIS = 50;
    private static final String IDS_EXHAUSTED = "message IDs exhausted";

    private static final AtomicLongFieldUpdater<SendExchange> DEADLINE =
            AtomicLongFieldUpdater.newUpdater(SendExchange.class, "deadline");

    final Result result = new Result();
    private final CaliforniumSender sender;
    private final OutgoingRequest outgoing;
    private final boolean blockwise;
    /** Told of each retransmission of the request; null when nobody asked. */
    private final Runnable onRetransmission;
    private volatile Request request;
    /** When this request times out ({@link System#nanoTime()}), or {@link Deadlines#NONE} while it cannot. */
    private volatile long deadline = Deadlines.NONE;
    private volatile BlockwiseQueue.Ticket ticket;
    /** The current request waits for a DTLS handshake that has not established a session yet. */
    private volatile boolean handshaking;
    /** The last handshake flight Scandium had to retransmit for the current request; 0 if none. */
    private volatile int retransmittedFlight;
    /** Blocks of a block-wise body sent so far (retransmissions not counted). */
    private volatile int blocksSent;
    /** The endpoint that sent the current request; null before. */
    private volatile EndpointPool.Slot slot;
    /** The current request was sent on the wire (its datagram exists). */
    private volatile boolean onWire;
    /** {@link #resendNow} sent a datagram already. */
    private final AtomicBoolean resent = new AtomicBoolean();

    /** The outcome, and the handle through which the pipeline resends a request it believes lost. */
    final class Result extends CompletableFuture<SendResult> implements CoapSender.Resendable {
        @Override
        public boolean resendNow() {
            return SendExchange.this.resendNow();
        }
    }

    SendExchange(CaliforniumSender sender, OutgoingRequest outgoing, Runnable onRetransmission) {
        this.sender = sender;
        this.onRetransmission = onRetransmission;
        this.outgoing = outgoing;
        this.blockwise = outgoing.payload().length > sender.singleMessagePayload;
    }

    /** The resource's path below the server, with the URI's base path. */
    private String path() {
        return sender.basePath.isEmpty() ? outgoing.resource() : sender.basePath + "/" + outgoing.resource();
    }

    /** The request for messages, e.g. {@code PUT 10.0.0.5:5683/x}; built only when a message needs it. */
    private String what() {
        return outgoing.method() + " " + sender.peer + "/" + path();
    }

    /** Completing {@link #result} in any way ends the exchange ({@link #finish()}). */
    void begin() {
        result.whenComplete((r, e) -> finish());
        if (blockwise) {
            BlockwiseQueue.Ticket t = sender.blockwise.enqueue(path(), this::go);
            ticket = t;
            if (result.isDone()) {
                t.release(); // completed while being queued: finish() did not see the ticket yet
            }
        } else {
            go();
        }
    }

    /** It is this request's turn; the clock starts when an endpoint with a free message ID takes it. */
    private void go() {
        if (result.isDone()) {
            return;
        }
        attempt();
    }

    /** Starts (or starts again) the request timeout. */
    private void armDeadline() {
        long d = sender.deadlines.deadlineIn(sender.timeoutNanos);
        deadline = d;
        if (result.isDone()) {
            deadline = Deadlines.NONE;
            return;
        }
        sender.deadlines.armed(d);
    }

    private void disarmDeadline() {
        deadline = Deadlines.NONE;
    }

    @Override
    public long deadlineNanos() {
        return deadline;
    }

    @Override
    public void expired(long armed) {
        if (DEADLINE.compareAndSet(this, armed, Deadlines.NONE) && !result.isDone()) {
            timedOut();
        }
    }

    private void timedOut() {
        String detail = timeoutDetail();
        failedTransiently(handshaking ? SendResult.handshakeFailure(detail) : SendResult.timeout(detail));
    }

    private String timeoutDetail() {
        long ms = sender.timeout.toMillis();
        if (handshaking) {
            return "DTLS handshake with " + sender.peer + " did not complete within " + ms + " ms ("
                    + CoapSinkConfig.REQUEST_TIMEOUT_MS + "): " + handshakeSilence(retransmittedFlight) + "; " + what()
                    + " not sent";
        }
        String detail = what() + " timed out after " + ms + " ms";
        if (blockwise && blocksSent > 0) {
            detail += " (block-wise body of " + outgoing.payload().length + " bytes: no answer to block "
                    + blocksSent + " within that time)";
        }
        return detail;
    }

    /** Which flight got no answer and what usually causes that. */
    private String handshakeSilence(int flight) {
        if (flight == 0) {
            return "no answer from the server yet (server down, or not speaking DTLS on this port?)";
        }
        if (flight <= 3) {
            return "no answer to our ClientHello (flight " + flight + "): server down, or not speaking DTLS on "
                    + "this port?";
        }
        if (flight == 5) {
            return "no answer to our Finished (flight 5): "
                    + (sender.psk ? "wrong PSK identity or secret? A server that cannot verify our Finished (OpenSSL-"
                            + "based ones such as libcoap's) drops it without an alert"
                            : "the server may have rejected our certificate without an alert");
        }
        return "no answer to flight " + flight + " of the handshake";
    }

    /**
     * Sends the current request's datagram again through its endpoint's connector, as Californium's own
     * retransmission would (same bytes, same message ID, same DTLS session), without touching its exchange or
     * timer. For a single-message confirmable request only, once, and not once the server acknowledged it (an
     * empty ACK: it is working on a separate response, nothing was lost).
     */
    boolean resendNow() {
        Request r = request;
        EndpointPool.Slot s = slot;
        if (result.isDone() || r == null || s == null || blockwise || !outgoing.confirmable() || !onWire
                || handshaking || r.isAcknowledged()) {
            return false;
        }
        byte[] bytes = r.getBytes();
        EndpointContext context = r.getEffectiveDestinationContext();
        if (bytes == null || context == null || !resent.compareAndSet(false, true)) {
            return false;
        }
        try {
            s.endpoint.getConnector().send(RawData.outbound(bytes, context, null, false));
            return true;
        } catch (RuntimeException e) {
            log.debug("early retransmission of {} not sent: {}", what(), e.toString());
            return false;
        }
    }

    /** However the result completed: stop the Californium request, the deadline, and give up the resource. */
    private void finish() {
        disarmDeadline();
        Request r = request;
        if (r != null) {
            release(r);
        }
        BlockwiseQueue.Ticket t = ticket;
        if (t != null) {
            t.release();
        }
    }

    private static void release(Request r) {
        if (!r.isCanceled() && r.getResponse() == null) {
            r.cancel();
        }
    }

    /** Sends the request on the next endpoint that has message IDs left, or looks again shortly. */
    private void attempt() {
        if (result.isDone()) {
            return;
        }
        if (sender.closed()) {
            result.complete(SendResult.transientFailure(null, "sender closed before " + what() + " was sent"));
            return;
        }
        ServerAddress.Resolved server = sender.server.current();
        if (server == null) {
            result.complete(SendResult.transientFailure(null, sender.server.unresolvedMessage() + "; " + what()
                    + " not sent (the host is looked up again at most every "
                    + ServerAddress.RESOLVE_INTERVAL.toSeconds() + " s)"));
            return;
        }
        EndpointPool.Slot slot = sender.pool.pick();
        if (slot == null) {
            // Every endpoint has spent its message IDs: the request waits, unsent, for one to be freed. Waiting is
            // backpressure (the window fills, put() pauses), not a failure, so its timeout does not run meanwhile
            // (it was armed if an endpoint took the request and then found its IDs spent).
            disarmDeadline();
            sender.timer.schedule(this::attempt, NO_ID_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        armDeadline();
        Request r = new Request(code(outgoing.method()), outgoing.confirmable() ? CoAP.Type.CON : CoAP.Type.NON);
        r.setDestinationContext(server.context());
        if (sender.server.virtualHost() != null) {
            r.getOptions().setUriHost(sender.server.virtualHost());
        }
        RequestOptionsWriter.write(r.getOptions(), sender.basePath, outgoing);
        if (outgoing.payload().length > 0) {
            r.setPayload(outgoing.payload());
        }
        handshaking = false;
        retransmittedFlight = 0;
        onWire = false;
        r.addMessageObserver(new Observer(slot, System.nanoTime()));
        this.slot = slot;
        request = r;
        if (result.isDone()) {
            return; // completed meanwhile; finish() may not have seen this request
        }
        slot.endpoint.sendRequest(r);
        if (result.isDone()) {
            release(r);
        }
    }

    private static CoAP.Code code(OutgoingRequest.Method method) {
        return switch (method) {
            case PUT -> CoAP.Code.PUT;
            case POST -> CoAP.Code.POST;
            case DELETE -> CoAP.Code.DELETE;
        };
    }

    /** A transient failure that a moved server would also cause: the host is looked up again (if due). */
    private void failedTransiently(SendResult failure) {
        if (result.complete(failure)) {
            sender.server.requestFailed();
        }
    }

    /**
     * A DTLS server that restarted has lost the session and silently drops our records, so CoAP retransmits.
     * The first retransmission of a request after which the server has said nothing at all resumes the session
     * (an abbreviated handshake, or a full one if the server forgot the session), carried by that
     * retransmission itself (see {@link EndpointPool.Slot#handshakeOnNextSend()}); once per silence, so a lossy
     * link does not cause a handshake per retransmission.
     */
    private void resumeSessionIfSilent(EndpointPool.Slot slot, long requestSentNanos) {
        if (slot.dtls == null || slot.lastResponseNanos.get() - requestSentNanos > 0) {
            return;
        }
        long last = slot.lastResumeNanos.get();
        if (last - requestSentNanos < 0 && slot.lastResumeNanos.compareAndSet(last, System.nanoTime())) {
            log.info("No answer from {} since a request was sent; resuming the DTLS session of {} (the server may "
                    + "have restarted)", sender.peer, slot.endpoint.getAddress());
            slot.handshakeOnNextSend();
        }
    }

    private String sendError(Throwable error) {
        String peer = sender.peer;
        if (error instanceof DtlsHandshakeTimeoutException timeout) {
            // Scandium servers drop a Finished they cannot verify without an alert, so a wrong PSK looks
            // like a timeout; Scandium marks that case in the message.
            String reason;
            if (String.valueOf(timeout.getMessage()).contains("Wrong PSK")) {
                reason = "the server did not accept our Finished message (wrong PSK identity or secret?)";
            } else if (timeout.getFlightNumber() <= 3) {
                reason = "no answer to the handshake (server down or not speaking DTLS on this port?)";
            } else if (timeout.getFlightNumber() == 5) {
                reason = handshakeSilence(5);
            } else {
                reason = "the server stopped answering during the handshake (flight " + timeout.getFlightNumber() + ")";
            }
            return "DTLS handshake with " + peer + " failed: " + reason + "; " + what() + " not sent";
        }
        if (error instanceof HandshakeException || error instanceof DtlsException) {
            return "DTLS handshake with " + peer + " failed: " + oneLine(error.getMessage()) + "; " + what()
                    + " not sent";
        }
        return what() + " could not be sent: " + error.getClass().getSimpleName() + ": " + oneLine(error.getMessage());
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }

    private final class Observer extends MessageObserverAdapter {
        private final EndpointPool.Slot slot;
        private final long sentNanos;

        Observer(EndpointPool.Slot slot, long sentNanos) {
            this.slot = slot;
            this.sentNanos = sentNanos;
        }

        @Override
        public void onConnecting() {
            handshaking = true;
        }

        @Override
        public void onDtlsRetransmission(int flight) {
            retransmittedFlight = flight;
        }

        @Override
        public void onContextEstablished(EndpointContext endpointContext) {
            handshaking = false;
        }

        @Override
        public void onRetransmission() {
            resumeSessionIfSilent(slot, sentNanos);
            if (onRetransmission != null && !result.isDone()) {
                onRetransmission.run();
            }
        }

        @Override
        public void onSent(boolean retransmission) {
            handshaking = false;
            onWire = true;
            if (blockwise) {
                if (!retransmission) {
                    blocksSent++;
                    armDeadline(); // the timeout bounds the wait for each block
                }
            } else if (!outgoing.confirmable()) {
                result.complete(SendResult.delivered(null));
            }
        }

        @Override
        public void onResponse(Response response) {
            slot.lastResponseNanos.set(System.nanoTime());
            SendResult classified = ResponseClassifier.classify(response.getCode());
            SendResult answered = classified.delivered() ? classified : ResponseClassifier.classify(response, what());
            result.complete(sender.keepAnswers ? answered.withAnswer(CoapAnswer.of(response)) : answered);
        }

        @Override
        public void onTimeout() {
            failedTransiently(SendResult.timeout(what() + ": no answer after all CoAP retransmissions"));
        }

        @Override
        public void onReject() {
            result.complete(SendResult.transientFailure(null, what() + " was reset (RST) by the server"));
        }

        @Override
        public void onCancel() {
            result.complete(SendResult.transientFailure(null, what() + " was cancelled"));
        }

        @Override
        protected void failed() {
            result.complete(SendResult.transientFailure(null, what() + " failed"));
        }

        @Override
        public void onSendError(Throwable error) {
            if (error instanceof IllegalStateException && String.valueOf(error.getMessage()).contains(IDS_EXHAUSTED)) {
                sender.pool.exhausted(slot);
                attempt();
                return;
            }
            failedTransiently(DtlsConnectors.asResult(error, sendError(error)));
        }
    }
}
