package io.meshwork.services.kv;

import static java.util.Objects.requireNonNull;

import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvStoredValue;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.cluster.ddata.LWWMap;

/**
 * A MAJORITY or ALL read of one key in progress: this node's replica and the other kv nodes'
 * answers, each a bucket cut down to the key ({@link KeyState}), merged as they come. It is done
 * once this node's replica and enough nodes in all (it among them) have answered: more than half
 * of the kv nodes for MAJORITY, every one for ALL.
 */
final class KeyRead {
  final long id;
  final String key;
  private final int needed;
  private LWWMap<String, KvStoredValue> merged = LWWMap.empty();
  private LWWMap<String, KvStoredValue> localBucket;
  private boolean localDone;
  private int answers;
  private Cancellable timer;

  /**
   * @param kvNodes how many kv nodes there are, this one included
   */
  KeyRead(long id, String key, Consistency consistency, int kvNodes) {
    this.id = id;
    this.key = requireNonNull(key, "key");
    if (kvNodes < 1) {
      throw new IllegalArgumentException("kvNodes: " + kvNodes + " (expected: > 0)");
    }
    this.needed =
        switch (consistency) {
          case MAJORITY -> kvNodes / 2 + 1;
          case ALL -> kvNodes;
          default -> throw new IllegalArgumentException("consistency: " + consistency + " (expected: MAJORITY or ALL)");
        };
  }

  /** This node's replica of the key's bucket (null: it has none). */
  void local(LWWMap<String, KvStoredValue> bucket) {
    localBucket = bucket;
    merged = merged.merge(KeyState.cut(bucket, key));
    localDone = true;
    answers++;
  }

  /** Another kv node's answer. */
  void remote(LWWMap<String, KvStoredValue> cut) {
    merged = merged.merge(cut);
    answers++;
  }

  boolean done() {
    return localDone && answers >= needed;
  }

  /** The newest state of the key that the nodes answering know: it includes any write that enough nodes have acknowledged. */
  LWWMap<String, KvStoredValue> merged() {
    return merged;
  }

  /** This node's replica of the bucket, as read for this read (null: none). */
  LWWMap<String, KvStoredValue> localBucket() {
    return localBucket;
  }

  /** True when this node's replica already held everything the answers know of the key. */
  boolean localIsCurrent() {
    return KeyState.sameKey(KeyState.cut(localBucket, key), merged, key);
  }

  int answers() {
    return answers;
  }

  int needed() {
    return needed;
  }

  void timer(Cancellable timer) {
    this.timer = timer;
  }

  void cancelTimer() {
    if (timer != null) {
      timer.cancel();
    }
  }
}
