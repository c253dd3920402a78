package io.github.coapsink.testserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CoapTestServerTest {

    private CoapTestServer server;
    private final List<CoapClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() {
        server = CoapTestServer.builder().history(3).seed(42).start();
    }

    @AfterEach
    void stopAll() {
        clients.forEach(TestClients::close);
        server.close();
    }

    private CoapClient client(String path) {
        return client(path, 4);
    }

    private CoapClient client(String path, int maxRetransmit) {
        CoapClient client = TestClients.plain(server.plainUri() + "/" + path, maxRetransmit);
        clients.add(client);
        return client;
    }

    @Test
    void bindsEphemeralPortOnLoopback() {
        assertThat(server.plainPort()).isPositive();
        assertThat(server.plainUri()).isEqualTo("coap://127.0.0.1:" + server.plainPort());
        assertThat(server.dtlsPort()).isEqualTo(-1);
        assertThat(server.dtlsUri()).isNull();
    }

    @Test
    void putAndPostOnAnyPathAreRecorded() throws Exception {
        List<ReceivedRequest> seen = new CopyOnWriteArrayList<>();
        server.onRequest(seen::add);

        CoapResponse put = client("sensors/room1/temp").put("{\"t\":21.5}", MediaTypeRegistry.APPLICATION_JSON);
        assertThat(put.getCode()).isEqualTo(ResponseCode.CHANGED);
        CoapClient post = client("events");
        post.useNONs();
        CoapResponse created = post.post("hello", MediaTypeRegistry.TEXT_PLAIN);
        assertThat(created.getCode()).isEqualTo(ResponseCode.CREATED);

        assertThat(server.count()).isEqualTo(2);
        ReceivedRequest first = server.requests("/sensors/room1/temp").get(0);
        assertThat(first.path()).isEqualTo("sensors/room1/temp");
        assertThat(first.method()).isEqualTo(Code.PUT);
        assertThat(first.payloadText()).isEqualTo("{\"t\":21.5}");
        assertThat(first.contentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_JSON);
        assertThat(first.confirmable()).isTrue();
        assertThat(first.response()).isEqualTo(ResponseCode.CHANGED);
        assertThat(first.secure()).isFalse();
        assertThat(first.peerIdentity()).isNull();
        assertThat(first.source().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(first.token()).isNotEmpty();
        assertThat(first.receivedAt()).isNotNull();

        ReceivedRequest second = server.requests("events").get(0);
        assertThat(second.method()).isEqualTo(Code.POST);
        assertThat(second.confirmable()).isFalse();
        assertThat(second.contentFormat()).isEqualTo(MediaTypeRegistry.TEXT_PLAIN);
        assertThat(second.receivedNanos()).isGreaterThanOrEqualTo(first.receivedNanos());
        assertThat(server.requests()).containsExactly(first, second);
        assertThat(seen).containsExactly(first, second);

        server.clear();
        assertThat(server.count()).isZero();
        assertThat(server.allRequests()).isEmpty();
    }

    @Test
    void getReturnsHistoryAndDeleteClearsIt() throws Exception {
        CoapClient client = client("h");
        client.put("{\"n\":1}", MediaTypeRegistry.APPLICATION_JSON);
        client.put("plain \"text\"", MediaTypeRegistry.TEXT_PLAIN);
        client.put("{\"n\":3}", MediaTypeRegistry.APPLICATION_JSON);
        client.put("{\"n\":4}", MediaTypeRegistry.APPLICATION_JSON);

        CoapResponse all = client.get();
        assertThat(all.getCode()).isEqualTo(ResponseCode.CONTENT);
        assertThat(all.getOptions().getContentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_JSON);
        // history(3): the oldest one is gone
        assertThat(all.getResponseText()).isEqualTo("[\"plain \\\"text\\\"\",{\"n\":3},{\"n\":4}]");
        assertThat(server.history("h")).hasSize(3);

        client.setURI(server.plainUri() + "/h?last");
        CoapResponse last = client.get();
        assertThat(last.getResponseText()).isEqualTo("{\"n\":4}");
        assertThat(last.getOptions().getContentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_JSON);

        client.setURI(server.plainUri() + "/h");
        assertThat(client.delete().getCode()).isEqualTo(ResponseCode.DELETED);
        assertThat(client.get().getResponseText()).isEqualTo("[]");
        assertThat(server.history("h")).isEmpty();
        // GET and DELETE are recorded as well
        assertThat(server.allRequests("h")).extracting(ReceivedRequest::method)
                .containsExactly(Code.PUT, Code.PUT, Code.PUT, Code.PUT, Code.GET, Code.GET, Code.DELETE, Code.GET);
    }

    @Test
    void observersAreNotifiedOnNewPayload() throws Exception {
        List<String> notifications = new CopyOnWriteArrayList<>();
        CoapClient observer = client("obs?last");
        CoapObserveRelation relation = observer.observe(new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                notifications.add(response.getResponseText());
            }

            @Override
            public void onError() {
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.size() == 1);
        assertThat(notifications.get(0)).isEmpty();

        CoapClient writer = client("obs");
        writer.put("one", MediaTypeRegistry.TEXT_PLAIN);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.contains("one"));
        writer.put("two", MediaTypeRegistry.TEXT_PLAIN);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.contains("two"));
        relation.proactiveCancel();
        // the observe registration is one recorded GET, notifications are not requests
        assertThat(server.allRequests("obs")).extracting(ReceivedRequest::method)
                .startsWith(Code.GET, Code.PUT, Code.PUT);
    }

    @Test
    void respondWithOnOnePathAndOnAll() throws Exception {
        server.respondWith("/missing", ResponseCode.NOT_FOUND);
        assertThat(client("missing").put("x", 0).getCode()).isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(client("other").put("y", 0).getCode()).isEqualTo(ResponseCode.CHANGED);

        server.respondWith(null, ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(client("other").put("z", 0).getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        // a GET still works while writes fail
        assertThat(client("other").get().getResponseText()).isEqualTo("[\"y\"]");

        server.respondWith(null, null).respondWith("missing", null);
        assertThat(client("missing").put("w", 0).getCode()).isEqualTo(ResponseCode.CHANGED);

        assertThat(server.requests("missing")).extracting(ReceivedRequest::payloadText).containsExactly("w");
        assertThat(server.allRequests("missing")).extracting(ReceivedRequest::response)
                .containsExactly(ResponseCode.NOT_FOUND, ResponseCode.CHANGED);
        assertThat(server.allRequests("missing").get(0).faulted()).isTrue();
    }

    @Test
    void failNextFailsExactlyNRequests() throws Exception {
        server.failNext(2, ResponseCode.INTERNAL_SERVER_ERROR);
        CoapClient client = client("f");
        assertThat(client.put("1", 0).getCode()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(client.post("2", 0).getCode()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(client.put("3", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.count()).isEqualTo(1);
        assertThat(server.allRequests()).hasSize(3);
    }

    @Test
    void unavailableForAnswers503UntilTheDeadline() throws Exception {
        CoapClient client = client("u");
        server.unavailableFor(Duration.ofMillis(900));
        CoapResponse response = client.put("1", 0);
        assertThat(response.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(response.getOptions().getMaxAge()).isEqualTo(1L);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.put("again", 0).getCode() == ResponseCode.CHANGED);
        assertThat(server.requests("u")).extracting(ReceivedRequest::payloadText).containsExactly("again");
    }

    @Test
    void overCapacityRequestsAreAnsweredOrDroppedUntilTheLimitIsLifted() throws Exception {
        // the first request stays in hand (its answer is delayed past the test's end): the server is full
        server.responseDelay(Duration.ofMinutes(5)).capacity(1, ResponseCode.SERVICE_UNAVAILABLE);
        client("held").put(new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
            }

            @Override
            public void onError() {
            }
        }, "first", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.allRequests("held").size() == 1);
        CoapResponse busy = client("c").put("second", 0);
        assertThat(busy.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(busy.getOptions().hasMaxAge()).isFalse();
        assertThat(server.turnedAway()).isEqualTo(1);

        server.capacity(1, null);
        assertThat(TestClients.put(client("d", 1), "dropped", 0)).as("dropped, and its retransmission too").isNull();
        assertThat(server.allRequests("d")).hasSize(2).allSatisfy(r -> assertThat(r.dropped()).isTrue());
        assertThat(server.turnedAway()).isEqualTo(3);

        server.capacity(0, null).responseDelay(Duration.ZERO);
        assertThat(client("c").put("third", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.requests("c")).extracting(ReceivedRequest::payloadText).containsExactly("third");
    }

    @Test
    void dropRatioOneMakesTheClientTimeOut() {
        server.dropRatio(1.0);
        CoapClient client = client("d", 1);
        assertThat(TestClients.put(client, "lost", 0)).isNull();
        // the original and its one retransmission, both recorded as dropped
        assertThat(server.allRequests("d")).hasSize(2).allSatisfy(r -> {
            assertThat(r.dropped()).isTrue();
            assertThat(r.response()).isNull();
            assertThat(r.payloadText()).isEqualTo("lost");
        });
        assertThat(server.allRequests("d").get(0).messageId()).isEqualTo(server.allRequests("d").get(1).messageId());
        assertThat(server.count()).isZero();
    }

    @Test
    void dropRatioHalfWithFixedSeedDropsSomeButConEventuallySucceeds() throws Exception {
        server.dropRatio(0.5, 7);
        CoapClient client = client("half", 6);
        for (int i = 0; i < 8; i++) {
            CoapResponse response = client.put("m" + i, 0);
            assertThat(response).as("request %d", i).isNotNull();
            assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        }
        assertThat(server.requests("half")).extracting(ReceivedRequest::payloadText)
                .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7");
        assertThat(server.allRequests("half")).filteredOn(ReceivedRequest::dropped).isNotEmpty();
    }

    @Test
    void responseDelaySendsEmptyAckFirst() throws Exception {
        // client gives up after 100 ms + 200 ms without an ACK; the server answers after 700 ms
        server.responseDelay(Duration.ofMillis(700));
        CoapClient client = client("slow", 1);
        long start = System.nanoTime();
        CoapResponse response = client.put("late", 0);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(response).isNotNull();
        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(650);
        assertThat(server.allRequests("slow")).hasSize(1);
        server.responseDelay(Duration.ZERO);
        assertThat(client.put("fast", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void stopAndStartAgainOnTheSamePort() throws Exception {
        int port = server.plainPort();
        CoapClient client = client("s", 1);
        assertThat(client.put("before", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
        server.stop();
        assertThat(server.isRunning()).isFalse();
        assertThat(TestClients.put(client, "during", 0)).isNull();
        server.start();
        assertThat(server.plainPort()).isEqualTo(port);
        assertThat(client.put("after", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.requests("s")).extracting(ReceivedRequest::payloadText).containsExactly("before", "after");
        // history survives the restart
        assertThat(client.get().getResponseText()).isEqualTo("[\"before\",\"after\"]");
    }

    @Test
    void blockwisePutOf200KbArrivesIntact() throws Exception {
        byte[] body = new byte[200 * 1024];
        new Random(1).nextBytes(body);
        CoapClient client = client("big");
        CoapResponse response = client.put(body, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.requests("big")).hasSize(1);
        assertThat(server.requests("big").get(0).payload()).isEqualTo(body);
        client.setURI(server.plainUri() + "/big?last");
        assertThat(client.get().getPayload()).isEqualTo(body);
    }

    @Test
    void twoServersInOneJvmDoNotInterfere() throws Exception {
        try (CoapTestServer other = CoapTestServer.builder().start()) {
            other.respondWith(null, ResponseCode.BAD_GATEWAY);
            assertThat(client("x").put("a", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
            CoapClient otherClient = TestClients.plain(other.plainUri() + "/x");
            clients.add(otherClient);
            assertThat(otherClient.put("b", 0).getCode()).isEqualTo(ResponseCode.BAD_GATEWAY);
            assertThat(server.allRequests()).hasSize(1);
            assertThat(other.allRequests()).hasSize(1);
            assertThat(new String(other.allRequests().get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("b");
        }
    }

    @Test
    void onePathAnswers503WithItsMaxAgeWhileOthersAreServed() throws Exception {
        server.unavailableFor("dev/dead", Duration.ofMinutes(1), 7);
        CoapResponse dead = client("dev/dead").put("1", 0);
        assertThat(dead.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(dead.getOptions().getMaxAge()).isEqualTo(7L);
        assertThat(client("dev/alive").put("2", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
        server.unavailableFor("dev/dead", Duration.ZERO, 0);
        assertThat(client("dev/dead").put("3", 0).getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void conditionalRequestsAreAnsweredByTheResourcesETag() throws Exception {
        CoapClient client = client("cond");
        Request create = Request.newPut();
        create.setPayload("v1");
        create.getOptions().setIfNoneMatch(true);
        CoapResponse created = client.advanced(create);
        assertThat(created.getCode()).isEqualTo(ResponseCode.CHANGED);
        byte[] etag = created.getOptions().getETags().get(0);
        assertThat(etag).isEqualTo(CoapTestServer.etag("v1".getBytes(StandardCharsets.UTF_8)));

        Request again = Request.newPut();
        again.setPayload("v0");
        again.getOptions().setIfNoneMatch(true);
        assertThat(client.advanced(again).getCode()).isEqualTo(ResponseCode.PRECONDITION_FAILED);

        Request stale = Request.newPut();
        stale.setPayload("v2");
        stale.getOptions().addIfMatch(new byte[] {1, 2, 3, 4});
        assertThat(client.advanced(stale).getCode()).isEqualTo(ResponseCode.PRECONDITION_FAILED);

        Request current = Request.newPut();
        current.setPayload("v2");
        current.getOptions().addIfMatch(etag);
        assertThat(client.advanced(current).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(server.requests("cond")).extracting(ReceivedRequest::payloadText).containsExactly("v1", "v2");
        assertThat(server.allRequests("cond")).extracting(ReceivedRequest::response).containsExactly(
                ResponseCode.CHANGED, ResponseCode.PRECONDITION_FAILED, ResponseCode.PRECONDITION_FAILED,
                ResponseCode.CHANGED);
    }
}
