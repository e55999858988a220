package io.meshwork.services.kv;

import io.meshwork.protocol.services.v1.KvStoredValue;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import scala.Option;
import scala.Tuple2;

/**
 * How many bytes a bucket holds, and the write that keeps it within {@code
 * meshwork.kv.max-bucket-bytes}. Runs inside the replicator, as part of a write.
 */
final class BucketBudget {
  /** Bytes counted for one entry besides its key and value: register clock, node, ORMap dot. */
  static final int ENTRY_OVERHEAD = 96;

  private BucketBudget() {}

  /**
   * {@code bucket} with {@code key} set to {@code value}, unless that makes the bucket larger than
   * {@code maxBucketBytes}: a bucket travels between nodes as one message, so one over the limit
   * could never be replicated. Counts the bucket only when its entry count alone does not show it
   * is small enough.
   */
  static LWWMap<String, KvStoredValue> putWithinBudget(
      LWWMap<String, KvStoredValue> bucket,
      SelfUniqueAddress node,
      String key,
      KvStoredValue value,
      long maxBucketBytes,
      long largestEntry) {
    long entry = entryBytes(key, value);
    if ((bucket.size() + 1L) * largestEntry > maxBucketBytes) {
      long before = bucketBytes(bucket);
      Option<KvStoredValue> old = bucket.get(key);
      long after = before + entry - (old.isDefined() ? entryBytes(key, old.get()) : 0);
      if (after > maxBucketBytes && after > before) {
        throw new BucketFull(after);
      }
    }
    return bucket.put(node, key, value);
  }

  static long bucketBytes(LWWMap<String, KvStoredValue> bucket) {
    long bytes = 0;
    scala.collection.Iterator<Tuple2<String, LWWRegister<KvStoredValue>>> it = bucket.underlying().entries().iterator();
    while (it.hasNext()) {
      Tuple2<String, LWWRegister<KvStoredValue>> e = it.next();
      bytes += entryBytes(e._1(), e._2().getValue());
    }
    return bytes;
  }

  static long entryBytes(String key, KvStoredValue value) {
    return Utf8.length(key) + (long) value.getData().size() + ENTRY_OVERHEAD;
  }

  /** Thrown inside the replicator: the write would make its bucket too large. */
  static final class BucketFull extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long bytes;

    BucketFull(long bytes) {
      super("bucket full", null, false, false);
      this.bytes = bytes;
    }
  }
}
