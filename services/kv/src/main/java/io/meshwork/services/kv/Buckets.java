package io.meshwork.services.kv;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import io.meshwork.protocol.services.v1.KvStoredValue;

/** The store's top-level Distributed Data entries, {@code kv-0} to {@code kv-<buckets - 1>}. */
final class Buckets {
  /** Every top-level entry of the store is named {@code kv-<bucket>}. */
  static final String KEY_PREFIX = "kv-";

  private final List<Key<LWWMap<String, KvStoredValue>>> all;

  Buckets(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: > 0)");
    }
    List<Key<LWWMap<String, KvStoredValue>>> keys = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      keys.add(LWWMapKey.create(KEY_PREFIX + i));
    }
    this.all = List.copyOf(keys);
  }

  /** The bucket that holds {@code key}: by the key's hash, the same on every node. */
  Key<LWWMap<String, KvStoredValue>> of(String key) {
    return all.get(Math.floorMod(key.hashCode(), all.size()));
  }

  List<Key<LWWMap<String, KvStoredValue>>> all() {
    return all;
  }
}
