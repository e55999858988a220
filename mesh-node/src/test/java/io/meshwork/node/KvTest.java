package io.meshwork.node;

import static io.meshwork.node.testing.Kv.ok;
import static io.meshwork.node.testing.Kv.value;
import static io.meshwork.protocol.services.v1.Consistency.ALL;
import static io.meshwork.protocol.services.v1.Consistency.CONSISTENCY_DEFAULT;
import static io.meshwork.protocol.services.v1.Consistency.LOCAL;
import static io.meshwork.protocol.services.v1.Consistency.MAJORITY;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Kv;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.KvCasReply;
import io.meshwork.protocol.services.v1.KvCasRequest;
import io.meshwork.protocol.services.v1.KvDeleteReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvKeysReply;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The kv service on three nodes, over real TCP connections to each of them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvTest {
  // Few, small buckets so that the bucket limit is reachable in a test.
  private static final int BUCKETS = 4;
  private static final Map<String, Object> CONF =
      Map.of(
          "meshwork.kv.buckets", BUCKETS,
          "meshwork.kv.max-bucket-bytes", "64 KiB",
          "meshwork.kv.max-value-bytes", "16 KiB",
          "meshwork.kv.max-key-bytes", 100,
          // Small pages and few scans, so that a test reaches both bounds.
          "meshwork.kv.keys.max-reply-bytes", "8 KiB",
          "meshwork.kv.keys.max-concurrent-scans", 2);
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;
  private MeshNode c;
  private long id;

  @BeforeAll
  void start() {
    a = nodes.start("kv", null, CONF);
    b = nodes.start("kv", a, CONF);
    c = nodes.start("kv", a, CONF);
    TestNodes.awaitUp(a, b, c);
    // A replicator's majority is of the kv nodes it knows: until every replicator knows all
    // three, a MAJORITY write may be acknowledged by fewer nodes than a later MAJORITY read asks.
    for (MeshNode node : new MeshNode[] {a, b, c}) {
      Poll.until(Duration.ofSeconds(30), "the kv replicator of " + node.system().address() + " knows 3 kv nodes",
          () -> replicaCount(node) == 3);
    }
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(a))) {
      // Listings settle and every replicator knows the other two: an ALL write succeeds.
      Poll.until(
          Duration.ofSeconds(30),
          "kv answers an ALL write",
          () -> conn.call(Kv.put(++id, "warm-up", "1", ALL)).getStatus() == Status.OK);
    }
  }

  /** How many kv nodes the node's kv replicator knows (itself included); -1 if it did not say. */
  private static int replicaCount(MeshNode node) {
    try {
      return askReplicaCount(node);
    } catch (Exception e) {
      return -1;
    }
  }

  private static int askReplicaCount(MeshNode node) throws Exception {
    var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(node.system());
    Object reply =
        org.apache.pekko.pattern.Patterns.ask(
                classic.actorSelection("/system/meshwork-kv-replicator"),
                org.apache.pekko.cluster.ddata.Replicator.getReplicaCount(),
                Duration.ofSeconds(3))
            .toCompletableFuture()
            .get(5, java.util.concurrent.TimeUnit.SECONDS);
    return ((org.apache.pekko.cluster.ddata.Replicator.ReplicaCount) reply).n();
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private WireConnection connect(MeshNode node) {
    return new WireConnection(TestNodes.endpoint(node));
  }

  @Test
  void aMajorityWriteIsReadThroughEveryNodeAndDeletesAreSeenToo() {
    try (WireConnection viaA = connect(a);
        WireConnection viaB = connect(b);
        WireConnection viaC = connect(c)) {
      ok(viaA.call(Kv.put(++id, "color", "teal", MAJORITY)), KvPutReply.parser());
      // A majority read overlaps every majority write: no waiting for gossip.
      assertThat(value(viaB.call(Kv.get(++id, "color", MAJORITY)))).isEqualTo("teal");
      assertThat(value(viaC.call(Kv.get(++id, "color", MAJORITY)))).isEqualTo("teal");
      // The default consistency is majority too (meshwork.kv.read-consistency).
      assertThat(value(viaC.call(Kv.get(++id, "color", CONSISTENCY_DEFAULT)))).isEqualTo("teal");
      // Local replicas converge by gossip.
      Poll.until(
          Duration.ofSeconds(10),
          "every local replica has the value",
          () ->
              "teal".equals(value(viaA.call(Kv.get(++id, "color", LOCAL))))
                  && "teal".equals(value(viaB.call(Kv.get(++id, "color", LOCAL))))
                  && "teal".equals(value(viaC.call(Kv.get(++id, "color", LOCAL)))));

      ok(viaB.call(Kv.put(++id, "color", "amber", ALL)), KvPutReply.parser());
      assertThat(value(viaA.call(Kv.get(++id, "color", LOCAL)))).isEqualTo("amber");

      KvDeleteReply deleted = ok(viaC.call(Kv.delete(++id, "color", MAJORITY)), KvDeleteReply.parser());
      assertThat(deleted.getExisted()).isTrue();
      assertThat(value(viaA.call(Kv.get(++id, "color", MAJORITY)))).isNull();
      KvDeleteReply again = ok(viaA.call(Kv.delete(++id, "color", MAJORITY)), KvDeleteReply.parser());
      assertThat(again.getExisted()).isFalse();
      assertThat(value(viaB.call(Kv.get(++id, "never-written", MAJORITY)))).isNull();
    }
  }

  @Test
  void keysListsAPrefixInOrderPageByPage() {
    try (WireConnection viaA = connect(a);
        WireConnection viaC = connect(c)) {
      // Pipelined: 30 puts in flight on one connection.
      for (int i = 29; i >= 0; i--) {
        viaA.write(Kv.put(1_000 + i, String.format("user/%02d", i), "u" + i, MAJORITY));
      }
      viaA.write(Kv.put(1_100, "users", "not under user/", MAJORITY));
      viaA.write(Kv.put(1_101, "other/1", "x", MAJORITY)).flush();
      for (int i = 0; i < 32; i++) {
        ok(viaA.read(), KvPutReply.parser());
      }
      List<String> seen = new ArrayList<>();
      String after = "";
      List<Boolean> truncated = new ArrayList<>();
      for (int page = 0; page < 3; page++) {
        KvKeysReply reply = ok(viaC.call(Kv.keys(++id, "user/", after, 10, MAJORITY)), KvKeysReply.parser());
        assertThat(reply.getKeysList()).hasSize(10);
        seen.addAll(reply.getKeysList());
        truncated.add(reply.getTruncated());
        after = reply.getKeys(9);
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        expected.add(String.format("user/%02d", i));
      }
      assertThat(seen).isEqualTo(expected);
      assertThat(truncated).containsExactly(true, true, false);
      KvKeysReply all = ok(viaC.call(Kv.keys(++id, "", "", 0, LOCAL)), KvKeysReply.parser());
      Poll.until(
          Duration.ofSeconds(10),
          "c's local replica lists all 32 keys",
          () -> ok(viaC.call(Kv.keys(++id, "", "", 0, LOCAL)), KvKeysReply.parser()).getKeysList()
              .containsAll(List.of("users", "other/1", "user/00", "user/29")));
      assertThat(all.getTruncated()).isFalse();
    }
  }

  private static Request cas(long id, String key, String expected, boolean expectAbsent, String value, boolean delete) {
    KvCasRequest.Builder cas =
        KvCasRequest.newBuilder()
            .setKey(key)
            .setExpectAbsent(expectAbsent)
            .setValue(ByteString.copyFromUtf8(value))
            .setDelete(delete)
            .setConsistency(MAJORITY);
    if (expected != null) {
      cas.setExpected(ByteString.copyFromUtf8(expected));
    }
    return Kv.request(id, "cas", cas.build());
  }

  @Test
  void compareAndSetSwapsOnlyOnTheExpectedValue() {
    try (WireConnection viaA = connect(a);
        WireConnection viaB = connect(b)) {
      KvCasReply created = ok(viaA.call(cas(++id, "lock", null, true, "owner-1", false)), KvCasReply.parser());
      assertThat(created.getSwapped()).isTrue();
      // Through another node: the majority read before the comparison sees owner-1.
      KvCasReply taken = ok(viaB.call(cas(++id, "lock", null, true, "owner-2", false)), KvCasReply.parser());
      assertThat(taken.getSwapped()).isFalse();
      assertThat(taken.getFound()).isTrue();
      assertThat(taken.getCurrent().toStringUtf8()).isEqualTo("owner-1");

      KvCasReply wrong = ok(viaB.call(cas(++id, "lock", "owner-9", false, "owner-2", false)), KvCasReply.parser());
      assertThat(wrong.getSwapped()).isFalse();
      assertThat(wrong.getCurrent().toStringUtf8()).isEqualTo("owner-1");
      KvCasReply handOver = ok(viaB.call(cas(++id, "lock", "owner-1", false, "owner-2", false)), KvCasReply.parser());
      assertThat(handOver.getSwapped()).isTrue();
      assertThat(value(viaA.call(Kv.get(++id, "lock", MAJORITY)))).isEqualTo("owner-2");

      KvCasReply release = ok(viaA.call(cas(++id, "lock", "owner-2", false, "", true)), KvCasReply.parser());
      assertThat(release.getSwapped()).isTrue();
      assertThat(value(viaB.call(Kv.get(++id, "lock", MAJORITY)))).isNull();
      KvCasReply missing = ok(viaB.call(cas(++id, "lock", "owner-2", false, "x", false)), KvCasReply.parser());
      assertThat(missing.getSwapped()).isFalse();
      assertThat(missing.getFound()).isFalse();
    }
  }

  @Test
  void compareAndSetIsAtomicOnItsNode() {
    try (WireConnection viaA = connect(a)) {
      // 50 pipelined "create if absent" calls race on one node: exactly one wins.
      for (int i = 0; i < 50; i++) {
        viaA.write(cas(5_000 + i, "leader", null, true, "candidate-" + i, false));
      }
      viaA.flush();
      List<String> winners = new ArrayList<>();
      Map<String, Integer> currents = new HashMap<>();
      for (int i = 0; i < 50; i++) {
        Reply reply = viaA.read();
        KvCasReply cas = ok(reply, KvCasReply.parser());
        if (cas.getSwapped()) {
          winners.add("candidate-" + (reply.getId() - 5_000));
        } else {
          currents.merge(cas.getCurrent().toStringUtf8(), 1, Integer::sum);
        }
      }
      assertThat(winners).hasSize(1);
      assertThat(currents).containsOnlyKeys(winners.get(0));
      assertThat(value(viaA.call(Kv.get(++id, "leader", MAJORITY)))).isEqualTo(winners.get(0));
    }
  }

  @Test
  void badRequestsGetClearErrorsAndTheNodeKeepsServing() {
    try (WireConnection conn = connect(b)) {
      Reply empty = conn.call(Kv.put(++id, "", "v", MAJORITY));
      assertThat(empty.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(empty.getError()).contains("key: empty");

      Reply longKey = conn.call(Kv.get(++id, "k".repeat(101), MAJORITY));
      assertThat(longKey.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(longKey.getError()).contains("key: 101 bytes", "limit: 100 bytes", "meshwork.kv.max-key-bytes");
      // Multi-byte characters count as their UTF-8 bytes: 34 x 3 = 102.
      Reply wideKey = conn.call(Kv.get(++id, "€".repeat(34), MAJORITY));
      assertThat(wideKey.getError()).contains("key: 102 bytes");

      Reply bigValue =
          conn.call(
              Kv.request(
                  ++id,
                  "put",
                  KvPutRequest.newBuilder()
                      .setKey("big")
                      .setValue(ByteString.copyFrom(new byte[16 * 1024 + 1]))
                      .build()));
      assertThat(bigValue.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(bigValue.getError()).contains("value: 16385 bytes", "limit: 16384 bytes", "max-value-bytes");

      Reply badConsistency =
          conn.call(Kv.request(++id, "get", KvGetRequest.newBuilder().setKey("k").setConsistencyValue(7).build()));
      assertThat(badConsistency.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(badConsistency.getError()).contains("consistency: 7", "LOCAL, MAJORITY or ALL");

      Reply badLimit = conn.call(Kv.keys(++id, "", "", 20_000, MAJORITY));
      assertThat(badLimit.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(badLimit.getError()).contains("limit: 20000", "1 to 10000");

      Reply garbage =
          conn.call(
              Request.newBuilder()
                  .setId(++id)
                  .setService("kv")
                  .setMethod("put")
                  .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
                  .build());
      assertThat(garbage.getStatus()).isEqualTo(Status.BAD_REQUEST);

      Reply unknown = conn.call(Kv.request(++id, "increment", KvGetRequest.newBuilder().setKey("k").build()));
      assertThat(unknown.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(unknown.getError()).contains("cas", "delete", "get", "keys", "put");

      ok(conn.call(Kv.put(++id, "still-serving", "yes", MAJORITY)), KvPutReply.parser());
      assertThat(value(conn.call(Kv.get(++id, "still-serving", MAJORITY)))).isEqualTo("yes");
    }
  }

  @Test
  void aBucketNeverGrowsPastItsLimit() {
    // Keys of one bucket (the bucket is the key's hash modulo BUCKETS), 15 KiB values: the fifth
    // would take the bucket past 64 KiB.
    List<String> sameBucket = new ArrayList<>();
    for (int i = 0; sameBucket.size() < 6; i++) {
      String key = "blob-" + i;
      if (Math.floorMod(key.hashCode(), BUCKETS) == Math.floorMod("blob-0".hashCode(), BUCKETS)) {
        sameBucket.add(key);
      }
    }
    // Whatever else the other tests stored in that bucket counts too: fill until refused.
    ByteString blob = ByteString.copyFrom(new byte[15 * 1024]);
    try (WireConnection conn = connect(c)) {
      int stored = 0;
      Reply refused = null;
      for (String key : sameBucket) {
        Reply reply =
            conn.call(
                Kv.request(
                    ++id,
                    "put",
                    KvPutRequest.newBuilder().setKey(key).setValue(blob).setConsistency(MAJORITY).build()));
        if (reply.getStatus() != Status.OK) {
          refused = reply;
          break;
        }
        stored++;
      }
      assertThat(stored).isBetween(1, 4);
      assertThat(refused).isNotNull();
      assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
      assertThat(refused.getError()).contains("meshwork.kv.max-bucket-bytes (65536)", "delete keys");
      // Replacing a stored value with a smaller one is always allowed, and frees room.
      ok(conn.call(Kv.put(++id, sameBucket.get(0), "small", MAJORITY)), KvPutReply.parser());
      ok(conn.call(
              Kv.request(
                  ++id,
                  "put",
                  KvPutRequest.newBuilder()
                      .setKey(sameBucket.get(stored))
                      .setValue(blob)
                      .setConsistency(MAJORITY)
                      .build())),
          KvPutReply.parser());
      // The full bucket replicated whole to the other nodes.
      String last = sameBucket.get(stored);
      try (WireConnection viaA = connect(a)) {
        Poll.until(
            Duration.ofSeconds(10),
            "a's replica holds the last blob",
            () -> {
              Reply r = viaA.call(Kv.get(++id, last, LOCAL));
              return r.getStatus() == Status.OK && value(r) != null && value(r).length() == blob.size();
            });
      }
    }
  }

  @Test
  void keysOnAFullStoreWalksEveryKeyOnceInBoundedPagesAndScansPastTheLimitAreShedWhileOthersAreServed() {
    try (WireConnection filler = connect(a);
        WireConnection hostile = connect(b);
        WireConnection good = connect(c)) {
      // Fill the store: 2,400 keys of 107 counted bytes each are more than 4 buckets of 64 KiB hold.
      int n = 2_400;
      for (int i = 0; i < n; i++) {
        filler.write(Kv.put(100_000 + i, String.format("full/%05d", i), "x", MAJORITY));
      }
      filler.flush();
      TreeSet<String> stored = new TreeSet<>();
      int refused = 0;
      for (int i = 0; i < n; i++) {
        Reply reply = filler.read();
        if (reply.getStatus() == Status.OK) {
          stored.add(String.format("full/%05d", reply.getId() - 100_000));
        } else {
          assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OVERLOADED);
          assertThat(reply.getError()).contains("meshwork.kv.max-bucket-bytes");
          refused++;
        }
      }
      assertThat(refused).as("puts refused by a full store").isPositive();

      // A hostile client asks for the largest pages, 30 at once: at most 2 scan at a time.
      for (int i = 0; i < 30; i++) {
        hostile.write(Kv.keys(200_000 + i, "", "", 10_000, MAJORITY));
      }
      hostile.flush();
      // Meanwhile a good client is served.
      ok(good.call(Kv.put(++id, "good/1", "served", MAJORITY)), KvPutReply.parser());
      assertThat(value(good.call(Kv.get(++id, "good/1", MAJORITY)))).isEqualTo("served");
      int shed = 0;
      for (int i = 0; i < 30; i++) {
        Reply reply = hostile.read();
        if (reply.getStatus() == Status.OVERLOADED) {
          assertThat(reply.getError()).contains("meshwork.kv.keys.max-concurrent-scans = 2");
          shed++;
        } else {
          KvKeysReply page = ok(reply, KvKeysReply.parser());
          assertThat(page.getSerializedSize()).isLessThanOrEqualTo(8 * 1024);
          assertThat(page.getTruncated()).isTrue();
        }
      }
      assertThat(shed).as("keys calls shed").isPositive();

      // Page by page, with the default limit: 8 KiB pages hold about 600 of these keys.
      List<String> walked = new ArrayList<>();
      String after = "";
      int pages = 0;
      while (true) {
        KvKeysReply page = ok(good.call(Kv.keys(++id, "full/", after, 0, MAJORITY)), KvKeysReply.parser());
        assertThat(page.getSerializedSize()).isLessThanOrEqualTo(8 * 1024);
        walked.addAll(page.getKeysList());
        pages++;
        if (!page.getTruncated()) {
          break;
        }
        assertThat(page.getNextStartAfter()).isEqualTo(page.getKeys(page.getKeysCount() - 1));
        after = page.getNextStartAfter();
      }
      assertThat(walked).isEqualTo(new ArrayList<>(stored));
      assertThat(pages).isGreaterThan(2);

      // Empty the store again for the other tests.
      for (String key : stored) {
        filler.write(Kv.delete(300_000 + walked.indexOf(key), key, MAJORITY));
      }
      filler.flush();
      for (int i = 0; i < stored.size(); i++) {
        ok(filler.read(), KvDeleteReply.parser());
      }
    }
  }

  @Test
  void aMajorityReadSeesAWriteThatReachedOnlyTheOtherNodes() {
    try (WireConnection viaA = connect(a);
        WireConnection viaB = connect(b)) {
      // MAJORITY overwrites through a: b's own replica may not hold the newest yet, and b's
      // MAJORITY (or ALL) read of the one key must take it from a or c.
      ok(viaA.call(Kv.put(++id, "fresh", "v1", ALL)), KvPutReply.parser());
      for (int i = 2; i <= 20; i++) {
        ok(viaA.call(Kv.put(++id, "fresh", "v" + i, MAJORITY)), KvPutReply.parser());
        assertThat(value(viaB.call(Kv.get(++id, "fresh", MAJORITY)))).isEqualTo("v" + i);
        assertThat(value(viaB.call(Kv.get(++id, "fresh", ALL)))).isEqualTo("v" + i);
      }
    }
  }
}
