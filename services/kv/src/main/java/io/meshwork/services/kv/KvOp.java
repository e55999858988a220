package io.meshwork.services.kv;

import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvStoredValue;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Replicator;

/**
 * One call's operation on one key's bucket, run by the kv actor (never concurrently with it):
 * {@link #read()} and {@link #write} go to the replicator with this object as their context, and
 * its answer comes back to {@link #read(Replicator.GetResponse)} or {@link
 * #written(Replicator.UpdateResponse)}.
 *
 * <p>A read at LOCAL reads the node's replica of the bucket. A read at MAJORITY or ALL reads only
 * the key, from enough kv nodes ({@link KeyRead}), and goes on in {@link #keyRead}: a get answers
 * from it; a delete or compare-and-set, which act on the node's replica, go on with the replica
 * when it already holds the newest state of the key, and otherwise first bring the bucket up to
 * date with a MAJORITY (or ALL) read of the whole bucket, which the replicator merges into the
 * replica.
 */
abstract class KvOp {
  private final KvActor actor;
  final Call<?, ?> callRef;
  final String method;
  final String key;
  final Consistency consistency;
  final Key<LWWMap<String, KvStoredValue>> bucket;

  KvOp(KvActor actor, Call<?, ?> call, String method, String key, Consistency consistency) {
    this.actor = actor;
    this.callRef = call;
    this.method = method;
    this.key = key;
    this.consistency = consistency;
    this.bucket = actor.kv.buckets.of(key);
  }

  final void start() {
    if (!callRef.isExpired()) {
      run();
    }
  }

  /**
   * Starts with a read of the key. (A delete or compare-and-set acts on what its node has seen, so
   * it first sees what its consistency level sees.)
   */
  void run() {
    read();
  }

  void onRead(LWWMap<String, KvStoredValue> bucket) {
    throw new IllegalStateException(method + " reads nothing");
  }

  /** The key's MAJORITY or ALL read is done. */
  void onKeyRead(KeyRead read) {
    if (read.localIsCurrent()) {
      onRead(read.localBucket());
    } else {
      readBucket(); // the replica is behind for this key: bring its bucket up to date first
    }
  }

  void onWritten() {
    throw new IllegalStateException(method + " writes nothing");
  }

  /** True when the failure was this operation's own answer (a compare-and-set mismatch). */
  boolean onModifyFailure(Throwable cause) {
    return false;
  }

  /** Reads the key at the call's consistency. */
  final void read() {
    if (consistency == Consistency.LOCAL) {
      actor.kv.replicator.tell(
          new Replicator.Get<>(bucket, Replicator.readLocal(), Optional.<Object>of(this)), actor.readReplies);
    } else {
      actor.readKey(this);
    }
  }

  /** Reads the key's whole bucket at the call's consistency: the replicator merges it locally. */
  private void readBucket() {
    Replicator.ReadConsistency read =
        consistency == Consistency.ALL
            ? new Replicator.ReadAll(timeout())
            : new Replicator.ReadMajority(timeout());
    actor.kv.replicator.tell(new Replicator.Get<>(bucket, read, Optional.<Object>of(this)), actor.readReplies);
  }

  final void keyRead(KeyRead read) {
    if (!callRef.isExpired()) {
      onKeyRead(read);
    }
  }

  /** Applies {@code modify} to the key's bucket inside the replicator, then writes it out. */
  final void write(Function<LWWMap<String, KvStoredValue>, LWWMap<String, KvStoredValue>> modify) {
    if (callRef.isExpired()) {
      return; // the runtime has answered DEADLINE_EXCEEDED already
    }
    Replicator.WriteConsistency write =
        switch (consistency) {
          case LOCAL -> Replicator.writeLocal();
          case MAJORITY -> new Replicator.WriteMajority(timeout());
          default -> new Replicator.WriteAll(timeout());
        };
    actor.kv.replicator.tell(
        new Replicator.Update<>(bucket, LWWMap.create(), write, Optional.<Object>of(this), modify::apply),
        actor.writeReplies);
  }

  final Duration timeout() {
    return KvNodes.replicaTimeout(callRef);
  }

  @SuppressWarnings("unchecked")
  static LWWMap<String, KvStoredValue> bucketOf(Replicator.GetResponse<?> response) {
    return response instanceof Replicator.GetSuccess<?> success
        ? (LWWMap<String, KvStoredValue>) success.dataValue()
        : null;
  }

  final void read(Replicator.GetResponse<?> response) {
    if (callRef.isExpired()) {
      return;
    }
    if (response instanceof Replicator.GetSuccess<?> || response instanceof Replicator.NotFound<?>) {
      onRead(bucketOf(response));
    } else {
      failUnreachable("read", " of key '" + shortKey() + "'", "");
    }
  }

  final void written(Replicator.UpdateResponse<?> response) {
    if (callRef.isExpired()) {
      return;
    }
    if (response instanceof Replicator.UpdateSuccess<?>) {
      onWritten();
    } else if (response instanceof Replicator.UpdateTimeout<?>) {
      callRef.fail(
          Status.UNAVAILABLE,
          "kv " + method + " of key '" + shortKey() + "': applied on this node, but " + consistency
              + " of the kv nodes did not confirm it within " + timeout().toMillis() + " ms ("
              + actor.reachability() + "); it spreads to the others when they are reachable");
    } else if (response instanceof Replicator.ModifyFailure<?> failure) {
      if (onModifyFailure(failure.cause())) {
        return;
      }
      if (failure.cause() instanceof BucketBudget.BucketFull full) {
        callRef.fail(
            Status.OVERLOADED,
            "kv " + method + " of key '" + shortKey() + "': its bucket would hold " + full.bytes
                + " bytes, over meshwork.kv.max-bucket-bytes (" + actor.settings.maxBucketBytes()
                + "); delete keys, or store less");
      } else {
        actor.logError("kv {} of key '{}' failed", method, shortKey(), failure.cause());
        callRef.fail(Status.INTERNAL, "kv " + method + " failed: " + failure.cause());
      }
    } else if (response instanceof Replicator.StoreFailure<?>) {
      callRef.fail(
          Status.INTERNAL,
          "kv " + method + " of key '" + shortKey()
              + "': the durable store could not write it (see the node's log)");
    } else {
      callRef.fail(Status.INTERNAL, "kv " + method + ": unexpected " + response.getClass().getSimpleName());
    }
  }

  final void failUnreachable(String what, String which, String answers) {
    if (callRef.isExpired()) {
      return;
    }
    callRef.fail(
        Status.UNAVAILABLE,
        "kv " + method + which + ": a " + consistency + " " + what + " got too few answers from the kv nodes"
            + answers + " within " + timeout().toMillis() + " ms (" + actor.reachability() + ")");
  }

  final String shortKey() {
    return key.length() <= 64 ? key : key.substring(0, 64) + "...";
  }
}
