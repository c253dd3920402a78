package io.github.coapsink;

import io.github.coapsink.send.CoapSender;
import io.github.coapsink.send.OutgoingRequest;
import io.github.coapsink.send.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** A sender whose requests complete only when the test says so: for unit tests of the pipeline and task. */
public final class ManualSender implements CoapSender {

    /** A request's outcome that, like the real sender's, can be sent again early; counts how often it was. */
    public static final class Pending extends CompletableFuture<SendResult> implements CoapSender.Resendable {
        private final AtomicInteger resent = new AtomicInteger();

        @Override
        public boolean resendNow() {
            if (isDone()) {
                return false;
            }
            resent.incrementAndGet();
            return true;
        }

        public int resent() {
            return resent.get();
        }
    }

    public record Sent(OutgoingRequest request, Pending result, Runnable onRetransmission) {
        public String payload() {
            return new String(request.payload());
        }

        /** How often the pipeline asked for the request to be sent again early. */
        public int resentEarly() {
            return result.resent();
        }

        /** As if the sender had sent the request again for want of an answer. */
        public void retransmit() {
            if (onRetransmission != null) {
                onRetransmission.run();
            }
        }
    }

    private final List<Sent> sent = new ArrayList<>();
    private SendResult answerAtOnce;
    public volatile boolean closed;

    @Override
    public CompletionStage<SendResult> send(OutgoingRequest request) {
        return send(request, null);
    }

    @Override
    public synchronized CompletionStage<SendResult> send(OutgoingRequest request, Runnable onRetransmission) {
        Pending f = new Pending();
        sent.add(new Sent(request, f, onRetransmission));
        if (answerAtOnce != null) {
            f.complete(answerAtOnce);
        }
        return f;
    }

    /** From now on every request completes with {@code result} as soon as it is sent (null: the test decides). */
    public synchronized void answerAtOnce(SendResult result) {
        answerAtOnce = result;
    }

    public synchronized List<Sent> sent() {
        return new ArrayList<>(sent);
    }

    public synchronized List<Sent> open() {
        return sent.stream().filter(s -> !s.result().isDone()).toList();
    }

    public void completeAll(SendResult result) {
        for (Sent s : open()) {
            s.result().complete(result);
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
