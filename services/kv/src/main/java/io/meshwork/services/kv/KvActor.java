package io.meshwork.services.kv;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvCasReply;
import io.meshwork.protocol.services.v1.KvCasRequest;
import io.meshwork.protocol.services.v1.KvDeleteReply;
import io.meshwork.protocol.services.v1.KvDeleteRequest;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvKeysReply;
import io.meshwork.protocol.services.v1.KvKeysRequest;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.protocol.services.v1.KvStoredValue;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.services.kv.KvService.Cas;
import io.meshwork.services.kv.KvService.Command;
import io.meshwork.services.kv.KvService.Delete;
import io.meshwork.services.kv.KvService.Get;
import io.meshwork.services.kv.KvService.Keys;
import io.meshwork.services.kv.KvService.Put;
import io.meshwork.services.kv.KvService.ReadDone;
import io.meshwork.services.kv.KvService.WriteDone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Function;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.Replicator;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import scala.Option;
import scala.Tuple2;

/**
 * One node's kv instance. It validates each call, turns it into reads and writes of its key's
 * bucket at the local {@link KvReplicator}, and answers when the replicator does. Each operation
 * in progress travels with its replicator request as the request's context ({@link Op}), so the
 * actor keeps no table of pending calls and never blocks: the work of a write (checking a
 * compare-and-set, sizing a bucket) runs inside the replicator, atomically with the write.
 */
final class KvActor {
  /** Bytes counted for one entry besides its key and value: register clock, node, ORMap dot. */
  static final int ENTRY_OVERHEAD = 96;

  private final ActorContext<Command> ctx;
  private final KvSettings settings;
  private final ActorRef replicator;
  private final SelfUniqueAddress self;
  private final List<Key<LWWMap<String, KvStoredValue>>> buckets;
  private final ActorRef readReplies;
  private final ActorRef writeReplies;
  /** The most bytes one entry can take. */
  private final long largestEntry;

  @SuppressWarnings({"unchecked", "rawtypes"})
  KvActor(ActorContext<Command> ctx, KvReplicator kv) {
    this.ctx = ctx;
    this.settings = kv.settings;
    this.replicator = kv.replicator;
    this.self = kv.self;
    List<Key<LWWMap<String, KvStoredValue>>> keys = new ArrayList<>(settings.buckets());
    for (int i = 0; i < settings.buckets(); i++) {
      keys.add(LWWMapKey.create(KvReplicator.KEY_PREFIX + i));
    }
    this.buckets = List.copyOf(keys);
    this.largestEntry = (long) settings.maxKeyBytes() + settings.maxValueBytes() + ENTRY_OVERHEAD;
    this.readReplies =
        Adapter.toClassic(ctx.messageAdapter((Class) Replicator.GetResponse.class, r -> new ReadDone((Replicator.GetResponse<?>) r)));
    this.writeReplies =
        Adapter.toClassic(ctx.messageAdapter((Class) Replicator.UpdateResponse.class, r -> new WriteDone((Replicator.UpdateResponse<?>) r)));
  }

  Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Get.class, m -> handle(m.call(), this::get))
        .onMessage(Put.class, m -> handle(m.call(), this::put))
        .onMessage(Delete.class, m -> handle(m.call(), this::delete))
        .onMessage(Keys.class, m -> handle(m.call(), this::keys))
        .onMessage(Cas.class, m -> handle(m.call(), this::cas))
        .onMessage(ReadDone.class, m -> {
          Op op = (Op) m.response().request().get();
          op.read(m.response());
          return Behaviors.same();
        })
        .onMessage(WriteDone.class, m -> {
          Op op = (Op) m.response().request().get();
          op.written(m.response());
          return Behaviors.same();
        })
        .build();
  }

  /** A call that fails validation is answered BAD_REQUEST at once; nothing is read or written. */
  private <Q, P> Behavior<Command> handle(Call<Q, P> call, java.util.function.Consumer<Call<Q, P>> start) {
    try {
      start.accept(call);
    } catch (Invalid e) {
      call.fail(Status.BAD_REQUEST, e.getMessage());
    }
    return Behaviors.same();
  }

  // ---- the methods

  private void get(Call<KvGetRequest, KvGetReply> call) {
    KvGetRequest request = call.request();
    String key = checkKey(request.getKey());
    Consistency consistency = consistency(request.getConsistencyValue(), settings.readConsistency());
    new Op(call, "get", key, consistency) {
      @Override
      void onRead(LWWMap<String, KvStoredValue> bucket) {
        Option<KvStoredValue> value = bucket == null ? Option.empty() : bucket.get(key);
        KvGetReply.Builder reply = KvGetReply.newBuilder();
        if (value.isDefined()) {
          reply.setFound(true).setValue(value.get().getData());
        }
        call.reply(reply.build());
      }
    }.start();
  }

  private void put(Call<KvPutRequest, KvPutReply> call) {
    KvPutRequest request = call.request();
    String key = checkKey(request.getKey());
    ByteString value = checkValue(request.getValue());
    Consistency consistency = consistency(request.getConsistencyValue(), settings.writeConsistency());
    KvStoredValue stored = KvStoredValue.newBuilder().setData(value).build();
    long maxBucketBytes = settings.maxBucketBytes();
    long largestEntry = this.largestEntry;
    SelfUniqueAddress node = self;
    new Op(call, "put", key, consistency) {
      @Override
      void run() {
        // Last writer wins: a put needs no read first. Runs inside the replicator:
        write(bucket -> putWithinBudget(bucket, node, key, stored, maxBucketBytes, largestEntry));
      }

      @Override
      void onWritten() {
        call.reply(KvPutReply.getDefaultInstance());
      }
    }.start();
  }

  private void delete(Call<KvDeleteRequest, KvDeleteReply> call) {
    KvDeleteRequest request = call.request();
    String key = checkKey(request.getKey());
    Consistency consistency = consistency(request.getConsistencyValue(), settings.writeConsistency());
    SelfUniqueAddress node = self;
    new Op(call, "delete", key, consistency) {
      // Set inside the replicator; read here after its reply, which the message send orders.
      private volatile boolean existed;

      @Override
      void onRead(LWWMap<String, KvStoredValue> bucket) {
        if (bucket == null || !bucket.contains(key)) {
          call.reply(KvDeleteReply.newBuilder().setExisted(false).build());
          return;
        }
        write(current -> {
          existed = current.contains(key);
          return existed ? current.remove(node, key) : current;
        });
      }

      @Override
      void onWritten() {
        call.reply(KvDeleteReply.newBuilder().setExisted(existed).build());
      }
    }.start();
  }

  private void cas(Call<KvCasRequest, KvCasReply> call) {
    KvCasRequest request = call.request();
    String key = checkKey(request.getKey());
    ByteString value = checkValue(request.getValue());
    boolean expectAbsent = request.getExpectAbsent();
    ByteString expected = request.getExpected();
    boolean delete = request.getDelete();
    Consistency consistency = consistency(request.getConsistencyValue(), settings.writeConsistency());
    KvStoredValue stored = KvStoredValue.newBuilder().setData(value).build();
    long maxBucketBytes = settings.maxBucketBytes();
    long largestEntry = this.largestEntry;
    SelfUniqueAddress node = self;
    new Op(call, "cas", key, consistency) {
      @Override
      void onRead(LWWMap<String, KvStoredValue> bucket) {
        // The comparison runs inside the replicator, atomically with the write: no other write of
        // this node can come between them.
        write(current -> {
          Option<KvStoredValue> now = current.get(key);
          boolean matches =
              expectAbsent ? now.isEmpty() : now.isDefined() && now.get().getData().equals(expected);
          if (!matches) {
            throw new CasMismatch(now.isDefined() ? now.get().getData() : null);
          }
          return delete
              ? current.remove(node, key)
              : putWithinBudget(current, node, key, stored, maxBucketBytes, largestEntry);
        });
      }

      @Override
      void onWritten() {
        call.reply(KvCasReply.newBuilder().setSwapped(true).build());
      }

      @Override
      boolean onModifyFailure(Throwable cause) {
        if (cause instanceof CasMismatch mismatch) {
          KvCasReply.Builder reply = KvCasReply.newBuilder().setSwapped(false);
          if (mismatch.current != null) {
            reply.setFound(true).setCurrent(mismatch.current);
          }
          call.reply(reply.build());
          return true;
        }
        return false;
      }
    }.start();
  }

  private void keys(Call<KvKeysRequest, KvKeysReply> call) {
    KvKeysRequest request = call.request();
    String prefix = request.getPrefix();
    if (utf8Length(prefix) > settings.maxKeyBytes()) {
      throw new Invalid(
          "prefix: " + utf8Length(prefix) + " bytes (limit: " + settings.maxKeyBytes()
              + " bytes, meshwork.kv.max-key-bytes)");
    }
    int limit = request.getLimit() == 0 ? KvSettings.DEFAULT_KEYS_LIMIT : request.getLimit();
    if (limit < 0 || limit > KvSettings.MAX_KEYS_LIMIT) {
      throw new Invalid(
          "limit: " + Integer.toUnsignedString(request.getLimit()) + " (expected: 0 for "
              + KvSettings.DEFAULT_KEYS_LIMIT + ", or 1 to " + KvSettings.MAX_KEYS_LIMIT + ")");
    }
    String startAfter = request.getStartAfter();
    Consistency consistency = consistency(request.getConsistencyValue(), settings.readConsistency());
    new KeysOp(call, prefix, startAfter, limit, consistency).start();
  }

  /** Reads every bucket and keeps the {@code limit + 1} smallest matching keys. */
  private final class KeysOp extends Op {
    private final Call<KvKeysRequest, KvKeysReply> keysCall;
    private final String prefix;
    private final String startAfter;
    private final int limit;
    // Largest first, so the head is the one to drop when there are more than limit + 1.
    private final PriorityQueue<String> smallest = new PriorityQueue<>(Comparator.reverseOrder());
    private int pending;
    private boolean failed;

    KeysOp(Call<KvKeysRequest, KvKeysReply> call, String prefix, String startAfter, int limit, Consistency c) {
      super(call, "keys", null, c);
      this.keysCall = call;
      this.prefix = prefix;
      this.startAfter = startAfter;
      this.limit = limit;
    }

    @Override
    void run() {
      pending = buckets.size();
      Replicator.ReadConsistency read = readConsistency();
      for (Key<LWWMap<String, KvStoredValue>> bucket : buckets) {
        replicator.tell(new Replicator.Get<>(bucket, read, Optional.<Object>of(this)), readReplies);
      }
    }

    @Override
    void read(Replicator.GetResponse<?> response) {
      pending--;
      if (failed) {
        return;
      }
      if (response instanceof Replicator.GetFailure<?>) {
        failed = true;
        failUnreachable("read", "");
        return;
      }
      if (response instanceof Replicator.GetSuccess<?> success) {
        @SuppressWarnings("unchecked")
        LWWMap<String, KvStoredValue> bucket = (LWWMap<String, KvStoredValue>) success.dataValue();
        scala.collection.Iterator<String> keys = bucket.underlying().entries().keysIterator();
        while (keys.hasNext()) {
          String key = keys.next();
          if (key.startsWith(prefix) && key.compareTo(startAfter) > 0) {
            smallest.add(key);
            if (smallest.size() > limit + 1) {
              smallest.poll();
            }
          }
        }
      }
      if (pending == 0) {
        List<String> sorted = new ArrayList<>(smallest);
        sorted.sort(null);
        KvKeysReply.Builder reply = KvKeysReply.newBuilder();
        long bytes = 0;
        boolean truncated = sorted.size() > limit;
        for (int i = 0; i < Math.min(limit, sorted.size()); i++) {
          String key = sorted.get(i);
          bytes += utf8Length(key) + 3;
          if (bytes > KvSettings.MAX_KEYS_REPLY_BYTES) {
            truncated = true;
            break;
          }
          reply.addKeys(key);
        }
        keysCall.reply(reply.setTruncated(truncated).build());
      }
    }
  }

  // ---- one operation in progress

  /**
   * One call's operation on one key's bucket: {@link #read()} and {@link #write} go to the
   * replicator with this object as their context, and its answer comes back to {@link
   * #read(Replicator.GetResponse)} or {@link #written(Replicator.UpdateResponse)}.
   */
  private abstract class Op {
    final Call<?, ?> callRef;
    final String method;
    final String key;
    final Consistency consistency;
    final Key<LWWMap<String, KvStoredValue>> bucket;

    Op(Call<?, ?> call, String method, String key, Consistency consistency) {
      this.callRef = call;
      this.method = method;
      this.key = key;
      this.consistency = consistency;
      this.bucket = key == null ? null : buckets.get(Math.floorMod(key.hashCode(), buckets.size()));
    }

    void start() {
      if (!callRef.isExpired()) {
        run();
      }
    }

    /**
     * Starts with a read of the key's bucket. (A delete or compare-and-set acts on what its node
     * has seen, so it first sees what its consistency level sees.)
     */
    void run() {
      read();
    }

    void onRead(LWWMap<String, KvStoredValue> bucket) {
      throw new IllegalStateException(method + " reads nothing");
    }

    void onWritten() {
      throw new IllegalStateException(method + " writes nothing");
    }

    /** True when the failure was this operation's own answer (a compare-and-set mismatch). */
    boolean onModifyFailure(Throwable cause) {
      return false;
    }

    /** Reads the key's bucket at the call's consistency (a local read when it is LOCAL). */
    final void read() {
      replicator.tell(new Replicator.Get<>(bucket, readConsistency(), Optional.<Object>of(this)), readReplies);
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
      replicator.tell(
          new Replicator.Update<>(bucket, LWWMap.create(), write, Optional.<Object>of(this), modify::apply),
          writeReplies);
    }

    final Replicator.ReadConsistency readConsistency() {
      return switch (consistency) {
        case LOCAL -> Replicator.readLocal();
        case MAJORITY -> new Replicator.ReadMajority(timeout());
        default -> new Replicator.ReadAll(timeout());
      };
    }

    /**
     * How long the replicas may take: the call's remaining time less a margin, so that the
     * client hears why (UNAVAILABLE: too few replicas answered) rather than a bare
     * DEADLINE_EXCEEDED.
     */
    final Duration timeout() {
      Duration remaining = callRef.remaining();
      Duration margin = remaining.dividedBy(10);
      if (margin.compareTo(Duration.ofMillis(200)) > 0) {
        margin = Duration.ofMillis(200);
      }
      Duration t = remaining.minus(margin);
      return t.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : t;
    }

    void read(Replicator.GetResponse<?> response) {
      if (callRef.isExpired()) {
        return;
      }
      if (response instanceof Replicator.GetSuccess<?> success) {
        @SuppressWarnings("unchecked")
        LWWMap<String, KvStoredValue> data = (LWWMap<String, KvStoredValue>) success.dataValue();
        onRead(data);
      } else if (response instanceof Replicator.NotFound<?>) {
        onRead(null);
      } else {
        failUnreachable("read", " of key '" + shortKey() + "'");
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
                + reachability() + "); it spreads to the others when they are reachable");
      } else if (response instanceof Replicator.ModifyFailure<?> failure) {
        if (onModifyFailure(failure.cause())) {
          return;
        }
        if (failure.cause() instanceof BucketFull full) {
          callRef.fail(
              Status.OVERLOADED,
              "kv " + method + " of key '" + shortKey() + "': its bucket would hold " + full.bytes
                  + " bytes, over meshwork.kv.max-bucket-bytes (" + settings.maxBucketBytes()
                  + "); delete keys, or store less");
        } else {
          ctx.getLog().error("kv {} of key '{}' failed", method, shortKey(), failure.cause());
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

    final void failUnreachable(String what, String which) {
      callRef.fail(
          Status.UNAVAILABLE,
          "kv " + method + which + ": a " + consistency + " " + what + " got too few answers from the kv nodes within "
              + timeout().toMillis() + " ms (" + reachability() + ")");
    }

    final String shortKey() {
      return key.length() <= 64 ? key : key.substring(0, 64) + "...";
    }
  }

  /** How many kv nodes there are and how many of them this node can reach, for error messages. */
  private String reachability() {
    ClusterEvent.CurrentClusterState state = Cluster.get(Adapter.toClassic(ctx.getSystem())).state();
    int all = 0;
    int unreachable = 0;
    for (Member member : state.getMembers()) {
      if (member.hasRole(KvReplicator.ROLE)) {
        all++;
        if (state.getUnreachable().contains(member)) {
          unreachable++;
        }
      }
    }
    return (all - unreachable) + " of " + all + " kv nodes reachable";
  }

  // ---- validation

  private String checkKey(String key) {
    if (key.isEmpty()) {
      throw new Invalid("key: empty (expected: 1 to " + settings.maxKeyBytes() + " bytes)");
    }
    int bytes = utf8Length(key);
    if (bytes > settings.maxKeyBytes()) {
      throw new Invalid(
          "key: " + bytes + " bytes (limit: " + settings.maxKeyBytes() + " bytes, meshwork.kv.max-key-bytes)");
    }
    return key;
  }

  private ByteString checkValue(ByteString value) {
    if (value.size() > settings.maxValueBytes()) {
      throw new Invalid(
          "value: " + value.size() + " bytes (limit: " + settings.maxValueBytes()
              + " bytes, meshwork.kv.max-value-bytes)");
    }
    return value;
  }

  private static Consistency consistency(int requested, Consistency dflt) {
    return switch (requested) {
      case Consistency.CONSISTENCY_DEFAULT_VALUE -> dflt;
      case Consistency.LOCAL_VALUE -> Consistency.LOCAL;
      case Consistency.MAJORITY_VALUE -> Consistency.MAJORITY;
      case Consistency.ALL_VALUE -> Consistency.ALL;
      default -> throw new Invalid(
          "consistency: " + requested + " is not a Consistency (expected: LOCAL, MAJORITY or ALL, or unset)");
    };
  }

  // ---- inside the replicator

  /**
   * {@code bucket} with {@code key} set to {@code value}, unless that makes the bucket larger than
   * {@code maxBucketBytes}: a bucket travels between nodes as one message, so one over the limit
   * could never be replicated. Runs in the replicator; counts the bucket only when its entry count
   * alone does not show it is small enough.
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

  /** The length of {@code s} in UTF-8, without encoding it. */
  static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // a surrogate pair: 4 bytes for 2 chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  static long entryBytes(String key, KvStoredValue value) {
    return utf8Length(key) + (long) value.getData().size() + ENTRY_OVERHEAD;
  }

  /** A request that fails validation. */
  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  /** Thrown inside the replicator: the write would make its bucket too large. */
  static final class BucketFull extends RuntimeException {
    final long bytes;

    BucketFull(long bytes) {
      super("bucket full", null, false, false);
      this.bytes = bytes;
    }
  }

  /** Thrown inside the replicator: a compare-and-set found another value. */
  static final class CasMismatch extends RuntimeException {
    final ByteString current;

    CasMismatch(ByteString current) {
      super("compare-and-set: the value differs", null, false, false);
      this.current = current;
    }
  }
}
