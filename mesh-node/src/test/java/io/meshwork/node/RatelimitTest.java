package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestTokens;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.AcquireReply;
import io.meshwork.protocol.services.v1.AcquireRequest;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.CallerIdentity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The ratelimit service on three nodes: one bucket per key for the whole cluster. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RatelimitTest {
  private static final Map<String, Object> CONF =
      Map.of("meshwork.ratelimit.capacity", 5, "meshwork.ratelimit.refill-per-second", 1);
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;
  private MeshNode c;
  /** Hosts nothing and authenticates its clients: it stamps who calls (meshwork-client). */
  private MeshNode gate;

  @BeforeAll
  void start() {
    a = nodes.start("ratelimit", null, CONF);
    b = nodes.start("ratelimit", a, CONF);
    c = nodes.start("ratelimit", a, CONF);
    gate = nodes.start("none", a, TestTokens.authFor(List.of("carol", "dave"), List.of("ratelimit")));
    TestNodes.awaitUp(a, b, c, gate);
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static Reply acquire(WireConnection conn, long id, String key, int permits) {
    return acquireWith(conn, id, Map.of(), key, permits);
  }


  private static AcquireReply ok(Reply reply) throws Exception {
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    return AcquireReply.parseFrom(reply.getPayload());
  }

  @Test
  void aKeysBucketIsSharedByEveryNodeAndRefills() throws Exception {
    try (WireConnection viaA = new WireConnection(TestNodes.endpoint(a));
        WireConnection viaB = new WireConnection(TestNodes.endpoint(b));
        WireConnection viaC = new WireConnection(TestNodes.endpoint(c))) {
      // The first call waits for the shard to be allocated and the listings to settle.
      long[] id = {0};
      Poll.until(
          Duration.ofSeconds(30),
          "ratelimit answers",
          () -> acquire(viaA, ++id[0], "warm-up", 1).getStatus() == Status.OK);
      String key = "user-42";
      // Five permits in all, taken through three different nodes.
      assertThat(ok(acquire(viaA, ++id[0], key, 2)).getAllowed()).isTrue();
      assertThat(ok(acquire(viaB, ++id[0], key, 2)).getAllowed()).isTrue();
      AcquireReply last = ok(acquire(viaC, ++id[0], key, 1));
      assertThat(last.getAllowed()).isTrue();
      assertThat(last.getRemaining()).isZero();
      // Empty now, whichever node is asked; the answer says how long to wait (1 per second).
      AcquireReply denied = ok(acquire(viaB, ++id[0], key, 2));
      assertThat(denied.getAllowed()).isFalse();
      assertThat(denied.getWaitMs()).isBetween(1000L, 2000L);
      assertThat(ok(acquire(viaA, ++id[0], key, 1)).getAllowed()).isFalse();
      // Another key has a bucket of its own.
      assertThat(ok(acquire(viaC, ++id[0], "user-43", 5)).getAllowed()).isTrue();
      // The bucket has refilled enough after the wait it announced, not before (a denied acquire
      // takes nothing, so asking again is harmless).
      long deniedAt = System.nanoTime();
      Poll.until(
          Duration.ofMillis(denied.getWaitMs() + 3_000),
          "the bucket refilled",
          () -> {
            try {
              return ok(acquire(viaC, ++id[0], key, 2)).getAllowed();
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          });
      assertThat(Duration.ofNanos(System.nanoTime() - deniedAt).toMillis())
          .as("refilled after the announced wait of %d ms", denied.getWaitMs())
          .isGreaterThanOrEqualTo(denied.getWaitMs() - 500); // the wait began on the node, a few calls earlier
    }
  }

  @Test
  void badKeysAndPermitsAreBadRequests() {
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(b))) {
      long[] id = {0};
      Poll.until(
          Duration.ofSeconds(30),
          "ratelimit answers",
          () -> acquire(conn, ++id[0], "k", 1).getStatus() == Status.OK);
      Reply empty = acquire(conn, ++id[0], "", 1);
      assertThat(empty.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(empty.getError()).contains("key");
      Reply tooMany = acquire(conn, ++id[0], "k", 6);
      assertThat(tooMany.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(tooMany.getError()).contains("capacity 5");
    }
  }

  /**
   * An acquire with {@code headers}: a token (through the gate, which stamps the client's name in
   * meshwork-client), or anything a client may send.
   */
  private static Reply acquireWith(
      WireConnection conn, long id, Map<String, String> headers, String key, int permits) {
    return conn.call(
        Request.newBuilder()
            .setId(id)
            .setService("ratelimit")
            .setMethod("acquire")
            .setPayload(AcquireRequest.newBuilder().setKey(key).setPermits(permits).build().toByteString())
            .setDeadlineMs(10_000)
            .putAllHeaders(headers)
            .build());
  }

  @Test
  void eachAuthenticatedClientHasBucketsOfItsOwnSoNoneCanDrainAnothers() throws Exception {
    try (WireConnection viaGate = new WireConnection(TestNodes.endpoint(gate));
        WireConnection viaA = new WireConnection(TestNodes.endpoint(a))) {
      long[] id = {0};
      Poll.until(
          Duration.ofSeconds(30),
          "ratelimit answers through the gate",
          () ->
              acquireWith(viaGate, ++id[0], TestTokens.header("dave"), "warm-up-2", 1).getStatus()
                  == Status.OK);
      String key = "shared-key";
      Map<String, String> carol = TestTokens.header("carol");
      // Client "carol" drains her bucket of the key.
      assertThat(ok(acquireWith(viaGate, ++id[0], carol, key, 3)).getAllowed()).isTrue();
      assertThat(ok(acquireWith(viaGate, ++id[0], carol, key, 2)).getAllowed()).isTrue();
      assertThat(ok(acquireWith(viaGate, ++id[0], carol, key, 1)).getAllowed()).isFalse();
      // The same key is full for "dave", and for a caller with no identity.
      AcquireReply dave = ok(acquireWith(viaGate, ++id[0], TestTokens.header("dave"), key, 5));
      assertThat(dave.getAllowed()).isTrue();
      assertThat(dave.getRemaining()).isZero();
      assertThat(ok(acquireWith(viaA, ++id[0], Map.of(), key, 5)).getAllowed()).isTrue();
      // A client without authentication cannot claim carol's name: the node drops the header, so
      // this takes from the anonymous bucket (now empty), not carol's.
      AcquireReply posing =
          ok(acquireWith(viaA, ++id[0], Map.of(CallerIdentity.HEADER, "dave"), key, 1));
      assertThat(posing.getAllowed()).isFalse();
      // Still empty for carol.
      assertThat(ok(acquireWith(viaGate, ++id[0], carol, key, 1)).getAllowed()).isFalse();
      // A key cannot pose as a client's bucket.
      Reply keyPosing = acquireWith(viaA, ++id[0], Map.of(), "\u0000carol\u0000" + key, 1);
      assertThat(keyPosing.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(keyPosing.getError()).contains("U+0000");
    }
  }
}
