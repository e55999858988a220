package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The client endpoint of one node, spoken to over real sockets in the raw protocol. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode node;
  private InetSocketAddress address;

  /** Extra node config; subclasses run the same tests on another transport. */
  protected Map<String, Object> nodeConfig() {
    return Map.of();
  }

  /** The node's client endpoint. */
  protected InetSocketAddress address() {
    return address;
  }

  @BeforeAll
  void startNode() {
    node = nodes.start("echo,info,silent,faulty,thread", null, nodeConfig());
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  @Test
  void echoReturnsThePayloadByteForByte() {
    byte[] bytes = new byte[64 * 1024];
    new Random(42).nextBytes(bytes);
    try (WireConnection c = new WireConnection(address)) {
      Reply reply = c.call(echo(7, ByteString.copyFrom(bytes)));
      assertThat(reply.getId()).isEqualTo(7);
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toByteArray()).isEqualTo(bytes);
      assertThat(reply.getMore()).isFalse();
    }
  }

  @Test
  void tenThousandPipelinedRequestsOnOneConnectionAreAllAnsweredWithMatchingIds() throws Exception {
    int n = 10_000;
    try (WireConnection c = new WireConnection(address)) {
      // Write everything from another thread while this one reads: a real pipelined client.
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int id = 1; id <= n; id++) {
                  c.write(echo(id, ByteString.copyFromUtf8("payload-" + id)));
                }
                c.flush();
              });
      Map<Long, String> answers = new HashMap<>();
      for (int i = 0; i < n; i++) {
        Reply reply = c.read();
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(answers.put(reply.getId(), reply.getPayload().toStringUtf8()))
            .as("one reply per id")
            .isNull();
      }
      writer.get(10, TimeUnit.SECONDS);
      assertThat(answers).hasSize(n);
      answers.forEach((id, payload) -> assertThat(payload).isEqualTo("payload-" + id));
    }
  }

  @Test
  void oversizedFrameGetsBadRequestWithIdZeroAndConnectionCloses() {
    try (WireConnection c = new WireConnection(address)) {
      // Length prefix 0x80 0x80 0x80 0x01 = 2 MiB, above the 1 MiB default; no body follows.
      Reply reply = c.writeRaw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}).flush().read();
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("1048576");
      assertThat(c.closedByNode()).isTrue();
    }
  }

  @Test
  void malformedLengthPrefixGetsBadRequestAndConnectionCloses() {
    try (WireConnection c = new WireConnection(address)) {
      // Six bytes with the continuation bit set: no valid varint32.
      byte[] prefix = {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00};
      Reply reply = c.writeRaw(prefix).flush().read();
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("varint");
      assertThat(c.closedByNode()).isTrue();
    }
  }

  @Test
  void bodyThatIsNotARequestGetsBadRequestAndConnectionStaysOpen() {
    try (WireConnection c = new WireConnection(address)) {
      // A 3-byte frame whose body is a truncated field: not a valid Request.
      Reply bad = c.writeRaw(new byte[] {3, (byte) 0x0a, (byte) 0xff, (byte) 0xff}).flush().read();
      assertThat(bad.getId()).isZero();
      assertThat(bad.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(bad.getError()).contains("not a valid meshwork.v1.Request");

      Reply good = c.call(echo(2, ByteString.copyFromUtf8("still here")));
      assertThat(good.getStatus()).isEqualTo(Status.OK);
      assertThat(good.getPayload().toStringUtf8()).isEqualTo("still here");
    }
  }

  @Test
  void emptyFrameIsARequestWithoutServiceAndGetsBadRequest() {
    try (WireConnection c = new WireConnection(address)) {
      Reply reply = c.writeRaw(new byte[] {0}).flush().read();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("service");
    }
  }

  @Test
  void unknownServiceGetsNotFoundOnceListingsHaveSettled() {
    TestProbe<Object> probe = TestProbe.create(node.system());
    try (WireConnection c = new WireConnection(address)) {
      probe.awaitAssert(
          Duration.ofSeconds(10),
          () -> {
            Reply reply = c.call(Request.newBuilder().setId(3).setService("nope").build());
            assertThat(reply.getId()).isEqualTo(3);
            assertThat(reply.getStatus()).isEqualTo(Status.NOT_FOUND);
            assertThat(reply.getError()).contains("nope");
            return null;
          });
    }
  }

  @Test
  void unansweredCallGetsDeadlineExceeded() {
    try (WireConnection c = new WireConnection(address)) {
      long start = System.nanoTime();
      Reply reply =
          c.call(Request.newBuilder().setId(4).setService("silent").setDeadlineMs(300).build());
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(reply.getId()).isEqualTo(4);
      assertThat(reply.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      assertThat(tookMs).isGreaterThanOrEqualTo(300);
      // The connection carries on after the timeout.
      assertThat(c.call(echo(5, ByteString.copyFromUtf8("x"))).getStatus()).isEqualTo(Status.OK);
    }
  }

  @Test
  void repliesComeInCompletionOrderNotRequestOrder() {
    try (WireConnection c = new WireConnection(address)) {
      c.write(Request.newBuilder().setId(10).setService("silent").setDeadlineMs(1_000).build());
      c.write(echo(11, ByteString.copyFromUtf8("fast"))).flush();
      assertThat(c.read().getId()).isEqualTo(11);
      Reply late = c.read();
      assertThat(late.getId()).isEqualTo(10);
      assertThat(late.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void invalidPayloadForATypedMethodGetsBadRequest() {
    try (WireConnection c = new WireConnection(address)) {
      Reply reply =
          c.call(
              Request.newBuilder()
                  .setId(6)
                  .setService("info")
                  .setMethod("get")
                  .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff}))
                  .build());
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("info.get");
    }
  }

  @Test
  void unknownMethodGetsBadRequestNamingTheMethods() {
    try (WireConnection c = new WireConnection(address)) {
      Reply reply =
          c.call(Request.newBuilder().setId(8).setService("info").setMethod("nope").build());
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("\"nope\"").contains("get");
    }
  }

  @Test
  void serviceFailuresBecomeStatusesAndACrashedInstanceRestarts() {
    try (WireConnection c = new WireConnection(address)) {
      Request.Builder faulty = Request.newBuilder().setService("faulty");
      assertThat(c.call(faulty.setId(1).setMethod("count").build()).getPayload().toStringUtf8())
          .isEqualTo("1");
      assertThat(c.call(faulty.setId(2).setMethod("count").build()).getPayload().toStringUtf8())
          .isEqualTo("2");

      Reply rejected = c.call(faulty.setId(3).setMethod("reject").build());
      assertThat(rejected.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
      assertThat(rejected.getError()).isEqualTo("not for you");
      // A ServiceException keeps the instance's state.
      assertThat(c.call(faulty.setId(4).setMethod("count").build()).getPayload().toStringUtf8())
          .isEqualTo("3");

      Reply crashed = c.call(faulty.setId(5).setMethod("crash").build());
      assertThat(crashed.getStatus()).isEqualTo(Status.INTERNAL);
      assertThat(crashed.getError()).contains("boom");
      // Any other exception restarts the instance: its state starts over, and it keeps serving.
      assertThat(c.call(faulty.setId(6).setMethod("count").build()).getPayload().toStringUtf8())
          .isEqualTo("1");
    }
  }

  @Test
  void pipelinedCallsToOneInstanceSeeEachOthersStateAndSurviveACrashAmongThem() {
    try (WireConnection c = new WireConnection(address)) {
      Request.Builder faulty = Request.newBuilder().setService("faulty");
      // Start from a fresh instance.
      assertThat(c.call(faulty.setId(100).setMethod("crash").build()).getStatus())
          .isEqualTo(Status.INTERNAL);
      // Written at once, these reach the instance in one or few batches.
      for (int id = 1; id <= 9; id++) {
        c.write(faulty.setId(id).setMethod(id == 6 ? "crash" : "count").build());
      }
      c.flush();
      Map<Long, Reply> replies = new HashMap<>();
      for (int i = 0; i < 9; i++) {
        Reply reply = c.read();
        replies.put(reply.getId(), reply);
      }
      for (long id = 1; id <= 5; id++) {
        assertThat(replies.get(id).getPayload().toStringUtf8()).isEqualTo(Long.toString(id));
      }
      assertThat(replies.get(6L).getStatus()).isEqualTo(Status.INTERNAL);
      // The calls after the crash are handled by the restarted instance, in order.
      for (long id = 7; id <= 9; id++) {
        assertThat(replies.get(id).getStatus()).isEqualTo(Status.OK);
        assertThat(replies.get(id).getPayload().toStringUtf8()).isEqualTo(Long.toString(id - 6));
      }
    }
  }

  @Test
  void clientVanishingMidFrameDoesNotDisturbAnotherConnection() {
    try (WireConnection good = new WireConnection(address);
        WireConnection bad = new WireConnection(address)) {
      assertThat(good.call(echo(1, ByteString.copyFromUtf8("a"))).getStatus()).isEqualTo(Status.OK);
      // The bad client pipelines calls (one to a service that never answers), sends half a frame,
      // then resets the connection.
      bad.write(Request.newBuilder().setId(1).setService("silent").setDeadlineMs(500).build());
      for (int i = 2; i < 100; i++) {
        bad.write(echo(i, ByteString.copyFromUtf8("x".repeat(1000))));
      }
      bad.writeRaw(new byte[] {100, 1, 2, 3}).flush();
      bad.abort();
      for (int i = 2; i <= 200; i++) {
        Reply reply = good.call(echo(i, ByteString.copyFromUtf8("b" + i)));
        assertThat(reply.getId()).isEqualTo(i);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("b" + i);
      }
      // After the dropped connection's deadline has passed, the node still serves.
      Reply after =
          good.call(Request.newBuilder().setId(500).setService("silent").setDeadlineMs(600).build());
      assertThat(after.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      assertThat(good.call(echo(501, ByteString.copyFromUtf8("z"))).getStatus()).isEqualTo(Status.OK);
    }
  }

  @Test
  void clientThatHalfClosesStillGetsItsReplies() throws Exception {
    try (WireConnection c = new WireConnection(address)) {
      for (int i = 1; i <= 50; i++) {
        c.write(echo(i, ByteString.copyFromUtf8("h" + i)));
      }
      c.flush();
      c.shutdownOutput();
      for (int i = 1; i <= 50; i++) {
        assertThat(c.read().getStatus()).isEqualTo(Status.OK);
      }
      assertThat(c.closedByNode()).isTrue();
    }
  }

  @Test
  void servicesRunOnTheNodesEventLoops() {
    try (WireConnection c = new WireConnection(address)) {
      Reply reply = c.call(Request.newBuilder().setId(1).setService("thread").setMethod("any").build());
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).startsWith("meshwork-event-loop-");
    }
  }

  @Test
  void aClientThatStopsReadingIsPushedBackWhileOthersAreServedAndNothingIsLost() throws Exception {
    int n = 60_000;
    ByteString payload = ByteString.copyFrom(new byte[1024]);
    java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
    try (WireConnection flooder = new WireConnection(address);
        WireConnection other = new WireConnection(address)) {
      // 60 MiB of requests and nobody reading the replies, far more than every socket buffer on
      // the way holds: the node must stop reading this connection, so TCP stops the writer,
      // rather than buffer without bound.
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int id = 1; id <= n; id++) {
                  flooder.write(echo(id, payload));
                  written.incrementAndGet();
                }
                flooder.flush();
              });
      int last = -1;
      int stalls = 0;
      while (stalls < 3) {
        Thread.sleep(200);
        int now = written.get();
        assertThat(now).as("requests written before the writer is pushed back").isLessThan(n);
        stalls = now == last ? stalls + 1 : 0;
        last = now;
      }
      for (int i = 1; i <= 100; i++) {
        Reply reply = other.call(echo(i, ByteString.copyFromUtf8("o" + i)));
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("o" + i);
      }
      for (int id = 1; id <= n; id++) {
        Reply reply = flooder.read();
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getId()).isEqualTo(id);
        assertThat(reply.getPayload()).isEqualTo(payload);
      }
      writer.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void largeRepliesToASlowReaderArriveWhole() throws Exception {
    byte[] bytes = new byte[512 * 1024];
    new Random(3).nextBytes(bytes);
    ByteString payload = ByteString.copyFrom(bytes);
    try (WireConnection c = new WireConnection(address)) {
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int id = 1; id <= 40; id++) {
                  c.write(echo(id, payload));
                }
                c.flush();
              });
      for (int id = 1; id <= 40; id++) {
        Thread.sleep(10); // slower than the node: replies wait for the socket, partly written
        Reply reply = c.read();
        assertThat(reply.getId()).isEqualTo(id);
        assertThat(reply.getPayload()).isEqualTo(payload);
      }
      writer.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientStillSendingAfterAProtocolErrorReadsTheErrorNotAReset() throws Exception {
    try (WireConnection c = new WireConnection(address)) {
      // A 2 MiB prefix (over the limit) and 256 KiB more behind it, unread by the node.
      c.writeRaw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
      c.writeRaw(new byte[256 * 1024]).flush();
      Reply reply = c.read();
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(c.closedByNode()).isTrue();
    }
  }
}
