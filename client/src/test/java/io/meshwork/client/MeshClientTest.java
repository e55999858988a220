package io.meshwork.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MeshClientTest {
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    Collections.reverse(resources);
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private TestNode node(TestNode node) {
    resources.add(node);
    return node;
  }

  private MeshClient connect(TestNode node) throws ConnectException {
    return connect(node, MeshClientOptions.defaults());
  }

  private MeshClient connect(TestNode node, MeshClientOptions options) throws ConnectException {
    MeshClient client = MeshClient.connect(node.address(), options);
    resources.add(client);
    return client;
  }

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  private static Reply await(CompletableFuture<Reply> reply) throws Exception {
    return reply.get(5, SECONDS);
  }

  @Test
  void tenThousandPipelinedCallsAreAllAnsweredWithTheirOwnPayload() throws Exception {
    MeshClient client = connect(node(TestNode.startEchoNode()));
    int calls = 10_000;
    List<CompletableFuture<Reply>> replies = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      replies.add(client.call("echo", "", utf8("payload-" + i)));
    }

    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(30, SECONDS);
    for (int i = 0; i < calls; i++) {
      Reply reply = replies.get(i).join();
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("payload-" + i);
    }
  }

  @Test
  void repliesSentInReverseOrderAreMatchedById() throws Exception {
    int calls = 100;
    TestNode node =
        node(TestNode.start(peer -> answerAllAtOnce(peer, calls, Collections::reverse)));
    assertEachCallGetsItsOwnReply(connect(node), calls);
  }

  @Test
  void repliesSentInShuffledOrderAreMatchedById() throws Exception {
    int calls = 500;
    TestNode node =
        node(
            TestNode.start(
                peer -> answerAllAtOnce(peer, calls, r -> Collections.shuffle(r, new Random(42)))));
    assertEachCallGetsItsOwnReply(connect(node), calls);
  }

  /** Reads {@code count} requests, reorders their echo replies, then sends them all. */
  private static void answerAllAtOnce(
      TestNode.Peer peer, int count, java.util.function.Consumer<List<Reply>> reorder)
      throws IOException {
    List<Reply> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      replies.add(TestNode.echoOrNotFound(peer.read()));
    }
    reorder.accept(replies);
    for (Reply reply : replies) {
      peer.send(reply);
    }
    peer.flush();
    while (peer.read() != null) {
      // keep the connection open until the client closes it
    }
  }

  private static void assertEachCallGetsItsOwnReply(MeshClient client, int calls) throws Exception {
    List<CompletableFuture<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      replies.add(client.call("echo", "", utf8("call-" + i)));
    }
    for (int i = 0; i < calls; i++) {
      assertThat(await(replies.get(i)).getPayload().toStringUtf8()).isEqualTo("call-" + i);
    }
  }

  @Test
  void requestsCarryIdsFromOneTheDeadlineAndTheHeaders() throws Exception {
    TestNode node = node(TestNode.startEchoNode());
    MeshClient client = connect(node);

    await(client.call("echo", "ping", utf8("a")));
    await(client.call("echo", "", utf8("b"), Duration.ofMillis(1500), Map.of("auth", "t0ken")));

    Request first = node.received().poll(5, SECONDS);
    Request second = node.received().poll(5, SECONDS);
    assertThat(first.getId()).isEqualTo(1);
    assertThat(first.getService()).isEqualTo("echo");
    assertThat(first.getMethod()).isEqualTo("ping");
    assertThat(first.getDeadlineMs()).isEqualTo(5_000);
    assertThat(first.getHeadersMap()).isEmpty();
    assertThat(second.getId()).isEqualTo(2);
    assertThat(second.getDeadlineMs()).isEqualTo(1_500);
    assertThat(second.getHeadersMap()).containsExactly(Map.entry("auth", "t0ken"));
  }

  @Test
  void silentNodeGetsDeadlineExceededFromTheClientSideTimer() throws Exception {
    MeshClient client = connect(node(TestNode.startSilentNode()));

    Reply reply = await(client.call("echo", "", utf8("x"), Duration.ofMillis(200), Map.of()));

    assertThat(reply.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    assertThat(reply.getError()).isEqualTo("no reply within 200ms (client-side timer)");
    assertThat(reply.getId()).isEqualTo(1);
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void nodeClosingTheConnectionFailsPendingCallsWithUnavailable() throws Exception {
    TestNode node =
        node(
            TestNode.start(
                peer -> {
                  for (int i = 0; i < 3; i++) {
                    peer.read();
                  }
                  peer.close();
                }));
    // Without reconnecting, so that the client stays disconnected for the last assertion.
    MeshClient client = connect(node, MeshClientOptions.builder().reconnect(false).build());
    Duration longDeadline = Duration.ofMinutes(1); // so only the closing can end these calls

    List<CompletableFuture<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replies.add(client.call("echo", "", utf8("x"), longDeadline, Map.of()));
    }

    for (CompletableFuture<Reply> reply : replies) {
      assertThat(await(reply).getStatus()).isEqualTo(Status.UNAVAILABLE);
      assertThat(reply.join().getError())
          .startsWith("connection to 127.0.0.1:" + node.port() + " closed: ");
    }
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void connectionLevelErrorFailsEveryPendingCallAndKeepsTheConnection() throws Exception {
    Reply connectionError =
        Reply.newBuilder()
            .setId(0)
            .setStatus(Status.BAD_REQUEST)
            .setError("frame body is not a valid Request")
            .build();
    TestNode node =
        node(
            TestNode.start(
                peer -> {
                  peer.read();
                  peer.read();
                  peer.send(connectionError);
                  peer.flush();
                  for (Request request = peer.read(); request != null; request = peer.read()) {
                    peer.send(TestNode.echoOrNotFound(request));
                  }
                }));
    MeshClient client = connect(node);

    CompletableFuture<Reply> first = client.call("echo", "", utf8("1"));
    CompletableFuture<Reply> second = client.call("echo", "", utf8("2"));

    for (CompletableFuture<Reply> reply : List.of(first, second)) {
      assertThat(await(reply).getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.join().getError()).isEqualTo("frame body is not a valid Request");
    }
    assertThat(first.join().getId()).isEqualTo(1);
    assertThat(second.join().getId()).isEqualTo(2);
    Reply later = await(client.call("echo", "", utf8("3")));
    assertThat(later.getStatus()).isEqualTo(Status.OK);
    assertThat(later.getPayload().toStringUtf8()).isEqualTo("3");
  }

  @Test
  void replyFrameAboveTheLimitClosesTheConnection() throws Exception {
    Reply oversized = TestNode.ok(1, ByteString.copyFrom(new byte[2_000]));
    TestNode node =
        node(
            TestNode.start(
                peer -> {
                  peer.read();
                  peer.send(oversized);
                  peer.flush();
                  while (peer.read() != null) {
                    // wait for the client to close
                  }
                }));
    MeshClient client = connect(node, MeshClientOptions.builder().maxReplyFrameBytes(1024).build());

    Reply reply = await(client.call("echo", "", utf8("x")));

    assertThat(reply.getStatus()).isEqualTo(Status.UNAVAILABLE);
    assertThat(reply.getError())
        .isEqualTo(
            "connection to 127.0.0.1:"
                + node.port()
                + " closed: frame of "
                + oversized.getSerializedSize()
                + " bytes exceeds the maximum frame size of 1024 bytes");
  }

  @Test
  void typedCallParsesTheReplyPayload() throws Exception {
    MeshClient client = connect(node(TestNode.startEchoNode()));

    CompletableFuture<StringValue> reply =
        client.call("echo", "", StringValue.of("hello"), StringValue.parser());

    assertThat(reply.get(5, SECONDS).getValue()).isEqualTo("hello");
  }

  @Test
  void typedCallFailsWithMeshCallExceptionOnNonOkStatus() throws Exception {
    MeshClient client = connect(node(TestNode.startEchoNode()));

    CompletableFuture<StringValue> reply =
        client.call("nope", "", StringValue.of("hello"), StringValue.parser());

    assertThatThrownBy(() -> reply.get(5, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(MeshCallException.class)
        .hasMessage("NOT_FOUND: no service \"nope\" in the cluster")
        .satisfies(
            e -> {
              MeshCallException failure = (MeshCallException) e;
              assertThat(failure.status()).isEqualTo(Status.NOT_FOUND);
              assertThat(failure.error()).isEqualTo("no service \"nope\" in the cluster");
            });
  }

  @Test
  void typedCallFailsWhenTheReplyPayloadDoesNotParse() throws Exception {
    MeshClient client = connect(node(TestNode.startEchoNode()));
    // Echoed back, these bytes are a StringValue whose string is not valid UTF-8.
    BytesValue notUtf8 = BytesValue.of(ByteString.copyFrom(new byte[] {(byte) 0xff}));

    CompletableFuture<StringValue> reply = client.call("echo", "", notUtf8, StringValue.parser());

    assertThatThrownBy(() -> reply.get(5, SECONDS))
        .cause()
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void callsAfterCloseFailWithUnavailableImmediately() throws Exception {
    TestNode node = node(TestNode.startEchoNode());
    MeshClient client = connect(node);
    client.close();

    CompletableFuture<Reply> reply = client.call("echo", "", utf8("x"));

    assertThat(reply).isDone();
    assertThat(reply.join().getStatus()).isEqualTo(Status.UNAVAILABLE);
    assertThat(reply.join().getError()).isEqualTo("the client is closed");
  }

  @Test
  void closeFailsPendingCallsWithUnavailable() throws Exception {
    MeshClient client = connect(node(TestNode.startSilentNode()));
    CompletableFuture<Reply> reply = client.call("echo", "", utf8("x"));

    client.close();

    assertThat(reply).isDone();
    assertThat(reply.join().getStatus()).isEqualTo(Status.UNAVAILABLE);
  }

  @Test
  void closeIsIdempotentAndStopsTheClientsThreads() throws Exception {
    TestNode node = node(TestNode.startEchoNode());
    MeshClient client = connect(node);
    await(client.call("echo", "", utf8("x"), Duration.ofMillis(100), Map.of()));
    String suffix = "-127.0.0.1:" + node.port();
    assertThat(clientThreads(suffix))
        .containsExactlyInAnyOrder(
            "meshwork-client-reader" + suffix,
            "meshwork-client-writer" + suffix,
            "meshwork-client-timer" + suffix);

    client.close();
    client.close();

    assertThat(client.isOpen()).isFalse();
    assertThat(clientThreads(suffix)).isEmpty();
  }

  private static List<String> clientThreads(String suffix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("meshwork-client-") && name.endsWith(suffix))
        .toList();
  }

  @Test
  void connectingToAPortWithoutListenerThrowsConnectExceptionNamingTheAddress() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }

    assertThatThrownBy(() -> MeshClient.connect("127.0.0.1", port))
        .isInstanceOf(ConnectException.class)
        .hasMessageStartingWith("cannot connect to 127.0.0.1:" + port + ": ");
  }

  @Test
  void invalidDeadlineIsRejectedWithTheValueAndTheExpectation() throws Exception {
    MeshClient client = connect(node(TestNode.startEchoNode()));

    assertThatThrownBy(() -> client.call("echo", "", utf8("x"), Duration.ZERO, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline: PT0S (expected: > 0 and <= PT1193H2M47.295S)");
  }

  @Test
  void timedOutCallIgnoresItsLateReply() throws Exception {
    TestNode node =
        node(
            TestNode.start(
                peer -> {
                  Request slow = peer.read();
                  Request next = peer.read(); // sent after the slow call timed out
                  peer.send(TestNode.echoOrNotFound(slow));
                  peer.send(TestNode.echoOrNotFound(next));
                  peer.flush();
                  while (peer.read() != null) {
                    // wait for the client to close
                  }
                }));
    MeshClient client = connect(node);
    Reply timedOut = await(client.call("echo", "", utf8("slow"), Duration.ofMillis(50), Map.of()));

    Reply next = await(client.call("echo", "", utf8("next")));

    assertThat(timedOut.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    assertThat(next.getPayload().toStringUtf8()).isEqualTo("next");
    assertThat(client.isOpen()).isTrue();
  }
}
