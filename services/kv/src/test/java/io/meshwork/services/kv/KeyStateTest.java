package io.meshwork.services.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.KvKeyStateReply;
import io.meshwork.protocol.services.v1.KvKeyStateRequest;
import io.meshwork.protocol.services.v1.KvStoredValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A bucket cut down to one key reads, merged with other nodes' cuts, as the whole buckets do. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyStateTest {
  private static final String[] KEYS = {"a", "b", "c", "d", "e"};
  private ActorSystem system;
  private Serialization serialization;

  @BeforeAll
  void start() {
    // Distributed Data's serializer leaves out the system name of node addresses: the cluster's.
    system = ActorSystem.create("meshwork");
    serialization = SerializationExtension.get(system);
  }

  @AfterAll
  void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static SelfUniqueAddress node(int i) {
    return new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "meshwork", "10.0.0." + i, 2552), 1000L + i));
  }

  private static KvStoredValue value(String s) {
    return KvStoredValue.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  @Test
  void mergedCutsOfAnySetOfReplicasReadEveryKeyAsTheirMergedBucketsDoOverRandomHistories() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int history = 0; history < 300; history++) {
      List<LWWMap<String, KvStoredValue>> replicas = new ArrayList<>(List.of(LWWMap.empty(), LWWMap.empty(), LWWMap.empty()));
      for (int step = 0; step < 40; step++) {
        int i = random.nextInt(3);
        String key = KEYS[random.nextInt(KEYS.length)];
        LWWMap<String, KvStoredValue> r = replicas.get(i);
        switch (random.nextInt(4)) {
          case 0, 1 -> replicas.set(i, r.put(node(i), key, value("v" + step)));
          case 2 -> replicas.set(i, r.remove(node(i), key)); // removes what this replica has seen
          default -> {
            int j = random.nextInt(3);
            replicas.set(j, replicas.get(j).merge(r)); // gossip from i to j
          }
        }
      }
      // Every non-empty set of replicas, as a read of those nodes would merge them.
      for (int set = 1; set < 8; set++) {
        LWWMap<String, KvStoredValue> whole = LWWMap.empty();
        for (String key : KEYS) {
          LWWMap<String, KvStoredValue> cuts = LWWMap.empty();
          whole = LWWMap.empty();
          for (int i = 0; i < 3; i++) {
            if ((set & (1 << i)) != 0) {
              whole = whole.merge(replicas.get(i));
              cuts = cuts.merge(KeyState.cut(replicas.get(i), key));
            }
          }
          assertThat(cuts.get(key)).as("seed %d, history %d, replicas %s, key %s", seed, history, set, key)
              .isEqualTo(whole.get(key));
          assertThat(KeyState.sameKey(cuts, KeyState.cut(whole, key), key)).isTrue();
        }
      }
    }
  }

  @Test
  void aCutThatKnowsOfADeleteHidesAnOlderReplicasValue() {
    LWWMap<String, KvStoredValue> both = LWWMap.<String, KvStoredValue>empty().put(node(1), "k", value("old"));
    LWWMap<String, KvStoredValue> deleted = both.remove(node(2), "k").put(node(2), "other", value("x"));
    LWWMap<String, KvStoredValue> read = KeyState.cut(both, "k").merge(KeyState.cut(deleted, "k"));
    assertThat(read.get("k").isEmpty()).isTrue();
    assertThat(KeyState.cut(deleted, "k").underlying().keys().elementsMap().contains("other")).isFalse();
  }

  @Test
  void theClusterMessagesRoundTripThroughTheirBytes() throws Exception {
    KvKeyStateRequest request = KvKeyStateRequest.newBuilder().setRequestId(Long.MAX_VALUE).setKey("k€y").build();
    assertThat(KvKeyStateRequest.parseFrom(request.toByteArray())).isEqualTo(request);

    LWWMap<String, KvStoredValue> bucket =
        LWWMap.<String, KvStoredValue>empty().put(node(1), "k", value("v1")).put(node(2), "j", value("v2"));
    LWWMap<String, KvStoredValue> cut = KeyState.cut(bucket, "k");
    KvKeyStateReply reply = KvKeyStateReply.parseFrom(KeyState.encode(7, cut, serialization).toByteArray());
    assertThat(reply.getRequestId()).isEqualTo(7);
    LWWMap<String, KvStoredValue> decoded = KeyState.decode(reply, serialization);
    assertThat(decoded.get("k").get().getData().toStringUtf8()).isEqualTo("v1");
    assertThat(KeyState.sameKey(decoded, cut, "k")).isTrue();
    assertThat(decoded.underlying().keys().vvector().toString()).isEqualTo(bucket.underlying().keys().vvector().toString());

    KvKeyStateReply nothing = KvKeyStateReply.newBuilder().setRequestId(8).build();
    assertThat(KeyState.decode(nothing, serialization).isEmpty()).isTrue();
  }

  @Test
  void aKeysAnswerMovesAFewTimesItsValueWhereTheWholeBucketMovedBefore() {
    // A full bucket of the default size (256 KiB as counted) of random 10-byte values (random, as
    // Distributed Data gzips large data), written through 3 nodes.
    long maxBucketBytes = 256 * 1024;
    Random random = new Random(1);
    LWWMap<String, KvStoredValue> bucket = LWWMap.empty();
    int i = 0;
    while (BucketBudget.bucketBytes(bucket) + 16 + 10 + BucketBudget.ENTRY_OVERHEAD <= maxBucketBytes) {
      byte[] data = new byte[10];
      random.nextBytes(data);
      KvStoredValue v = KvStoredValue.newBuilder().setData(ByteString.copyFrom(data)).build();
      bucket = bucket.put(node(i % 3), String.format("user/%08d", i), v);
      i++;
    }
    int wholeBucket = serialization.serialize(bucket).get().length;
    KvKeyStateReply reply = KeyState.encode(1, KeyState.cut(bucket, "user/00000042"), serialization);
    int oneKey = reply.getSerializedSize();
    System.out.printf(
        "kv MAJORITY get, bytes moved per other node for a 10-byte value in a full bucket of %d keys:"
            + " whole bucket %d, one key %d%n",
        bucket.size(), wholeBucket, oneKey);
    assertThat(oneKey).isLessThan(300);
    assertThat(wholeBucket).isGreaterThan(100 * oneKey);
  }
}
