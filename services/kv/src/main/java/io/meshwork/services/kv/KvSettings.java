package io.meshwork.services.kv;

import com.typesafe.config.Config;
import io.meshwork.protocol.services.v1.Consistency;
import java.util.Locale;

/** {@code meshwork.kv}: the kv service's settings, checked once when the service starts. */
record KvSettings(
    int buckets,
    int maxKeyBytes,
    int maxValueBytes,
    long maxBucketBytes,
    double maxHeapShare,
    Consistency readConsistency,
    Consistency writeConsistency,
    KeysSettings keys,
    String durableDir,
    long durableMapSize) {

  /** {@code meshwork.kv.keys}: what one {@code keys} call and all of them at once may cost. */
  record KeysSettings(
      int defaultLimit, int maxLimit, int maxReplyBytes, int maxConcurrentScans, int bucketsInFlight) {}

  /** Where the scans of {@code keys} run: off the event loops. */
  static final String SCAN_DISPATCHER = "meshwork.kv.scan-dispatcher";

  static KvSettings from(Config root) {
    Config c = root.getConfig("meshwork.kv");
    Config k = c.getConfig("keys");
    KvSettings s =
        new KvSettings(
            c.getInt("buckets"),
            (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-key-bytes")),
            (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-value-bytes")),
            c.getBytes("max-bucket-bytes"),
            c.getDouble("max-heap-share"),
            consistency(c, "read-consistency"),
            consistency(c, "write-consistency"),
            new KeysSettings(
                k.getInt("default-limit"),
                k.getInt("max-limit"),
                (int) Math.min(Integer.MAX_VALUE, k.getBytes("max-reply-bytes")),
                k.getInt("max-concurrent-scans"),
                k.getInt("buckets-in-flight")),
            c.getString("durable.dir").trim(),
            c.getBytes("durable.map-size"));
    if (s.buckets < 1 || s.buckets > 10_000) {
      throw new IllegalArgumentException("meshwork.kv.buckets: " + s.buckets + " (expected: 1 to 10000)");
    }
    if (s.maxKeyBytes < 1 || s.maxKeyBytes > 64 * 1024) {
      throw new IllegalArgumentException(
          "meshwork.kv.max-key-bytes: " + s.maxKeyBytes + " (expected: 1 byte to 64 KiB)");
    }
    if (s.maxValueBytes < 0 || s.maxValueBytes + (long) s.maxKeyBytes > s.maxBucketBytes) {
      throw new IllegalArgumentException(
          "meshwork.kv.max-value-bytes: " + s.maxValueBytes
              + " (expected: at least 0, and with max-key-bytes at most max-bucket-bytes " + s.maxBucketBytes + ")");
    }
    long frame = root.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    if (s.maxBucketBytes > frame / 2) {
      throw new IllegalArgumentException(
          "meshwork.kv.max-bucket-bytes: " + s.maxBucketBytes
              + " (expected: at most half of pekko.remote.artery.advanced.maximum-frame-size, " + frame / 2
              + ", so that a whole bucket always fits one message between nodes)");
    }
    if (!(s.maxHeapShare > 0 && s.maxHeapShare <= 1)) {
      throw new IllegalArgumentException(
          "meshwork.kv.max-heap-share: " + s.maxHeapShare + " (expected: more than 0, at most 1)");
    }
    KeysSettings keys = s.keys;
    if (keys.maxLimit < 1 || keys.maxLimit > 1_000_000) {
      throw new IllegalArgumentException(
          "meshwork.kv.keys.max-limit: " + keys.maxLimit + " (expected: 1 to 1000000)");
    }
    if (keys.defaultLimit < 1 || keys.defaultLimit > keys.maxLimit) {
      throw new IllegalArgumentException(
          "meshwork.kv.keys.default-limit: " + keys.defaultLimit + " (expected: 1 to keys.max-limit, "
              + keys.maxLimit + ")");
    }
    // The largest key must fit a page, and a page must fit a client's frame with room to spare.
    if (keys.maxReplyBytes < s.maxKeyBytes + 3 || keys.maxReplyBytes > frame / 2) {
      throw new IllegalArgumentException(
          "meshwork.kv.keys.max-reply-bytes: " + keys.maxReplyBytes + " (expected: at least max-key-bytes + 3, "
              + (s.maxKeyBytes + 3) + ", and at most half of pekko.remote.artery.advanced.maximum-frame-size, "
              + frame / 2 + ")");
    }
    if (keys.maxConcurrentScans < 1) {
      throw new IllegalArgumentException(
          "meshwork.kv.keys.max-concurrent-scans: " + keys.maxConcurrentScans + " (expected: at least 1)");
    }
    if (keys.bucketsInFlight < 1) {
      throw new IllegalArgumentException(
          "meshwork.kv.keys.buckets-in-flight: " + keys.bucketsInFlight + " (expected: at least 1)");
    }
    return s;
  }

  /** The most bytes the store may hold on each kv node: every bucket full. */
  long maxStoreBytes() {
    return buckets * maxBucketBytes; // at most 10,000 x 512 MiB: no overflow
  }

  /**
   * Checks that a full store fits this node's heap: it lives in memory on every kv node, besides
   * the copies that replication makes of the buckets it sends. Fails with a message naming the
   * settings, so that the node refuses to start rather than run out of memory once clients have
   * filled it.
   *
   * @param maxHeapBytes the heap's limit, {@code Runtime.getRuntime().maxMemory()}
   */
  void requireStoreFitsHeap(long maxHeapBytes) {
    long allowed = (long) (maxHeapBytes * maxHeapShare);
    if (maxStoreBytes() > allowed) {
      throw new IllegalArgumentException(
          "meshwork.kv: buckets x max-bucket-bytes = " + buckets + " x " + maxBucketBytes + " = "
              + mib(maxStoreBytes()) + " (expected: at most max-heap-share " + maxHeapShare
              + " of the JVM's maximum heap " + mib(maxHeapBytes) + ", " + mib(allowed)
              + "): lower meshwork.kv.max-bucket-bytes or meshwork.kv.buckets, or give the JVM more heap (-Xmx)");
    }
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  boolean durable() {
    return !durableDir.isEmpty();
  }

  /** The most bytes one entry can take. */
  long largestEntry() {
    return (long) maxKeyBytes + maxValueBytes + BucketBudget.ENTRY_OVERHEAD;
  }

  private static Consistency consistency(Config c, String path) {
    String value = c.getString(path).trim().toUpperCase(Locale.ROOT);
    return switch (value) {
      case "LOCAL" -> Consistency.LOCAL;
      case "MAJORITY" -> Consistency.MAJORITY;
      case "ALL" -> Consistency.ALL;
      default -> throw new IllegalArgumentException(
          "meshwork.kv." + path + ": " + c.getString(path) + " (expected: local, majority or all)");
    };
  }
}
