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
    Consistency readConsistency,
    Consistency writeConsistency,
    String durableDir,
    long durableMapSize) {

  /** Keys a {@code keys} call returns when its request asks for none in particular. */
  static final int DEFAULT_KEYS_LIMIT = 1_000;

  /** Most keys one {@code keys} reply may hold. */
  static final int MAX_KEYS_LIMIT = 10_000;

  /** Most key bytes one {@code keys} reply may hold, well inside any client's frame limit. */
  static final int MAX_KEYS_REPLY_BYTES = 512 * 1024;

  static KvSettings from(Config root) {
    Config c = root.getConfig("meshwork.kv");
    KvSettings s =
        new KvSettings(
            c.getInt("buckets"),
            (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-key-bytes")),
            (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-value-bytes")),
            c.getBytes("max-bucket-bytes"),
            consistency(c, "read-consistency"),
            consistency(c, "write-consistency"),
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
    return s;
  }

  boolean durable() {
    return !durableDir.isEmpty();
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
