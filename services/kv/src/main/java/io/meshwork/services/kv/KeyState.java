package io.meshwork.services.kv;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.KvKeyStateReply;
import io.meshwork.protocol.services.v1.KvStoredValue;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.ORMap;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.VersionVector;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.Option;
import scala.collection.immutable.Map;
import scala.collection.immutable.Map$;

/**
 * A bucket cut down to one key: the key's register and dots, and the bucket's version vector. It
 * is what a MAJORITY or ALL get moves between nodes instead of the whole bucket.
 *
 * <p>Why it is enough: an {@code LWWMap} (an {@code ORMap} of {@code LWWRegister}s over an {@code
 * ORSet} of keys) merges each key on its own, from that key's dots and register on both sides and
 * the two sides' version vectors, which say which adds each side has seen (a side that has seen an
 * add and lacks the key has seen it removed). A cut-down bucket keeps exactly those, so merging the
 * cuts of several nodes gives, for that key, what merging their whole buckets gives (the
 * replicator's own MAJORITY read), which {@code KeyStateTest} checks over random histories.
 *
 * <p>A cut must never be merged into a whole bucket: its version vector claims every add it has
 * seen, so the merge would drop the bucket's other keys. It is only read, for its one key.
 */
final class KeyState {
  private KeyState() {}

  /** {@code bucket} (null: none) cut down to {@code key}. */
  static LWWMap<String, KvStoredValue> cut(LWWMap<String, KvStoredValue> bucket, String key) {
    requireNonNull(key, "key");
    if (bucket == null) {
      return LWWMap.empty();
    }
    ORMap<String, LWWRegister<KvStoredValue>> map = bucket.underlying();
    ORSet<String> keys = map.keys();
    Option<VersionVector> dots = keys.elementsMap().get(key);
    Option<LWWRegister<KvStoredValue>> register = map.values().get(key);
    Map<String, VersionVector> elements = Map$.MODULE$.empty();
    Map<String, LWWRegister<KvStoredValue>> values = Map$.MODULE$.empty();
    if (dots.isDefined()) {
      elements = elements.updated(key, dots.get());
    }
    if (register.isDefined()) {
      values = values.updated(key, register.get());
    }
    ORSet<String> cutKeys = new ORSet<>(elements, keys.vvector(), Option.empty());
    return new LWWMap<>(new ORMap<>(cutKeys, values, map.zeroTag(), Option.empty()));
  }

  /**
   * True when {@code a} and {@code b} hold the same of {@code key}: the same register and the same
   * dots. (Their version vectors may differ: they also count the bucket's other keys.)
   */
  static boolean sameKey(LWWMap<String, KvStoredValue> a, LWWMap<String, KvStoredValue> b, String key) {
    Option<VersionVector> dotsA = a.underlying().keys().elementsMap().get(key);
    Option<VersionVector> dotsB = b.underlying().keys().elementsMap().get(key);
    if (dotsA.isDefined() != dotsB.isDefined()
        || (dotsA.isDefined() && dotsA.get().compareTo(dotsB.get()) != VersionVector.Same$.MODULE$)) {
      return false; // (compared, not equals: one dot may be a OneVersionVector or a ManyVersionVector)
    }
    Option<LWWRegister<KvStoredValue>> registerA = a.underlying().values().get(key);
    Option<LWWRegister<KvStoredValue>> registerB = b.underlying().values().get(key);
    if (registerA.isDefined() != registerB.isDefined()) {
      return false;
    }
    return registerA.isEmpty()
        || (registerA.get().timestamp() == registerB.get().timestamp()
            && registerA.get().updatedBy().equals(registerB.get().updatedBy())
            && registerA.get().getValue().equals(registerB.get().getValue()));
  }

  /** The reply to {@code requestId} carrying {@code cut}, serialized as Distributed Data does. */
  static KvKeyStateReply encode(long requestId, LWWMap<String, KvStoredValue> cut, Serialization serialization) {
    Serializer serializer = serialization.findSerializerFor(cut);
    return KvKeyStateReply.newBuilder()
        .setRequestId(requestId)
        .setState(ByteString.copyFrom(serializer.toBinary(cut)))
        .setSerializerId(serializer.identifier())
        .setManifest(Serializers.manifestFor(serializer, cut))
        .build();
  }

  /** The cut a reply carries; an empty state is an empty cut (the node held no such bucket). */
  @SuppressWarnings("unchecked")
  static LWWMap<String, KvStoredValue> decode(KvKeyStateReply reply, Serialization serialization) {
    if (reply.getState().isEmpty()) {
      return LWWMap.empty();
    }
    Object state =
        serialization
            .deserialize(reply.getState().toByteArray(), reply.getSerializerId(), reply.getManifest())
            .get();
    if (!(state instanceof LWWMap<?, ?>)) {
      throw new IllegalArgumentException(
          "state: a " + state.getClass().getName() + " (expected: an LWWMap cut down to one key)");
    }
    return (LWWMap<String, KvStoredValue>) state;
  }
}
