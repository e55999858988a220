package io.meshwork.services.kv;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvCasReply;
import io.meshwork.protocol.services.v1.KvCasRequest;
import io.meshwork.protocol.services.v1.KvDeleteReply;
import io.meshwork.protocol.services.v1.KvDeleteRequest;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvKeyStateReply;
import io.meshwork.protocol.services.v1.KvKeyStateRequest;
import io.meshwork.protocol.services.v1.KvKeysReply;
import io.meshwork.protocol.services.v1.KvKeysRequest;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.protocol.services.v1.KvStoredValue;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.services.kv.KvRequests.Invalid;
import io.meshwork.services.kv.KvService.Cas;
import io.meshwork.services.kv.KvService.Command;
import io.meshwork.services.kv.KvService.Delete;
import io.meshwork.services.kv.KvService.Get;
import io.meshwork.services.kv.KvService.KeyReadTimedOut;
import io.meshwork.services.kv.KvService.KeyStateArrived;
import io.meshwork.services.kv.KvService.Keys;
import io.meshwork.services.kv.KvService.Put;
import io.meshwork.services.kv.KvService.ReadDone;
import io.meshwork.services.kv.KvService.ScanEnded;
import io.meshwork.services.kv.KvService.WriteDone;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Replicator;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import scala.Option;

/**
 * One node's kv instance. It validates each call, turns it into reads and writes of its key's
 * bucket at the local {@link KvReplicator}, and answers when the replicator does. Each operation
 * in progress travels with its replicator request as the request's context ({@link KvOp}), so the
 * actor never blocks: the work of a write (checking a compare-and-set, sizing a bucket) runs inside
 * the replicator, atomically with the write. A MAJORITY or ALL read of a key asks the other kv
 * nodes' {@link KeyStateReader}s for that key alone ({@link KeyRead}); a {@code keys} call runs in a
 * {@link KeysScan} off the event loops, a bounded number at a time.
 */
final class KvActor {
  private final ActorContext<Command> ctx;
  final KvSettings settings;
  final KvRequests requests;
  final KvReplicator kv;
  final SelfUniqueAddress self;
  final ActorRef readReplies;
  final ActorRef writeReplies;
  private final ActorRef keyStateReplies;
  private final Serialization serialization;
  private final Cluster cluster;
  /** The reads of one key waiting for other nodes, by id. */
  private final Map<Long, KeyReadOp> keyReads = new HashMap<>();
  private long nextKeyReadId;
  private int scans;

  /**
   * The kv behaviour, or, when {@code meshwork.kv} is not usable (a store larger than the heap
   * allows, a setting out of range), none: it logs why and stops the node, which must not run
   * without the service it was told to host.
   */
  static Behavior<Command> start(ActorContext<Command> ctx) {
    KvReplicator kv;
    try {
      kv = KvReplicator.get(ctx.getSystem());
    } catch (IllegalArgumentException | IllegalStateException e) {
      ctx.getLog().error("kv cannot start, so the node stops: {}", e.getMessage());
      ctx.getSystem().terminate();
      return Behaviors.stopped();
    }
    return new KvActor(ctx, kv).behavior();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private KvActor(ActorContext<Command> ctx, KvReplicator kv) {
    this.ctx = ctx;
    this.kv = kv;
    this.settings = kv.settings;
    this.requests = new KvRequests(settings);
    this.self = kv.self;
    this.serialization = SerializationExtension.get(ctx.getSystem());
    this.cluster = Cluster.get(Adapter.toClassic(ctx.getSystem()));
    this.readReplies =
        Adapter.toClassic(ctx.messageAdapter((Class) Replicator.GetResponse.class, r -> new ReadDone((Replicator.GetResponse<?>) r)));
    this.writeReplies =
        Adapter.toClassic(ctx.messageAdapter((Class) Replicator.UpdateResponse.class, r -> new WriteDone((Replicator.UpdateResponse<?>) r)));
    this.keyStateReplies = Adapter.toClassic(ctx.messageAdapter(KvKeyStateReply.class, KeyStateArrived::new));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Get.class, m -> handle(m.call(), this::get))
        .onMessage(Put.class, m -> handle(m.call(), this::put))
        .onMessage(Delete.class, m -> handle(m.call(), this::delete))
        .onMessage(Keys.class, m -> handle(m.call(), this::keys))
        .onMessage(Cas.class, m -> handle(m.call(), this::cas))
        .onMessage(ReadDone.class, this::onReadDone)
        .onMessage(WriteDone.class, m -> {
          ((KvOp) m.response().request().get()).written(m.response());
          return Behaviors.same();
        })
        .onMessage(KeyStateArrived.class, this::onKeyStateArrived)
        .onMessage(KeyReadTimedOut.class, this::onKeyReadTimedOut)
        .onMessageEquals(ScanEnded.INSTANCE, () -> {
          scans--;
          return Behaviors.same();
        })
        .build();
  }

  /** A call that fails validation is answered BAD_REQUEST at once; nothing is read or written. */
  private <Q, P> Behavior<Command> handle(Call<Q, P> call, Consumer<Call<Q, P>> start) {
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
    String key = requests.key(request.getKey());
    Consistency consistency = KvRequests.consistency(request.getConsistencyValue(), settings.readConsistency());
    new KvOp(this, call, "get", key, consistency) {
      @Override
      void onRead(LWWMap<String, KvStoredValue> bucket) {
        answer(bucket == null ? Option.empty() : bucket.get(key));
      }

      @Override
      void onKeyRead(KeyRead read) {
        answer(read.merged().get(key)); // a get needs nothing more than the newest value
      }

      private void answer(Option<KvStoredValue> value) {
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
    String key = requests.key(request.getKey());
    ByteString value = requests.value(request.getValue());
    Consistency consistency = KvRequests.consistency(request.getConsistencyValue(), settings.writeConsistency());
    KvStoredValue stored = KvStoredValue.newBuilder().setData(value).build();
    long maxBucketBytes = settings.maxBucketBytes();
    long largestEntry = settings.largestEntry();
    SelfUniqueAddress node = self;
    new KvOp(this, call, "put", key, consistency) {
      @Override
      void run() {
        // Last writer wins: a put needs no read first. Runs inside the replicator:
        write(bucket -> BucketBudget.putWithinBudget(bucket, node, key, stored, maxBucketBytes, largestEntry));
      }

      @Override
      void onWritten() {
        call.reply(KvPutReply.getDefaultInstance());
      }
    }.start();
  }

  private void delete(Call<KvDeleteRequest, KvDeleteReply> call) {
    KvDeleteRequest request = call.request();
    String key = requests.key(request.getKey());
    Consistency consistency = KvRequests.consistency(request.getConsistencyValue(), settings.writeConsistency());
    SelfUniqueAddress node = self;
    new KvOp(this, call, "delete", key, consistency) {
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
    String key = requests.key(request.getKey());
    ByteString value = requests.value(request.getValue());
    boolean expectAbsent = request.getExpectAbsent();
    ByteString expected = request.getExpected();
    boolean delete = request.getDelete();
    Consistency consistency = KvRequests.consistency(request.getConsistencyValue(), settings.writeConsistency());
    KvStoredValue stored = KvStoredValue.newBuilder().setData(value).build();
    long maxBucketBytes = settings.maxBucketBytes();
    long largestEntry = settings.largestEntry();
    SelfUniqueAddress node = self;
    new KvOp(this, call, "cas", key, consistency) {
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
              : BucketBudget.putWithinBudget(current, node, key, stored, maxBucketBytes, largestEntry);
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

  /** Thrown inside the replicator: a compare-and-set found another value. */
  private static final class CasMismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final ByteString current;

    CasMismatch(ByteString current) {
      super("compare-and-set: the value differs", null, false, false);
      this.current = current;
    }
  }

  private void keys(Call<KvKeysRequest, KvKeysReply> call) {
    KvKeysRequest request = call.request();
    String prefix = requests.prefix(request.getPrefix());
    int limit = requests.limit(request.getLimit());
    Consistency consistency = KvRequests.consistency(request.getConsistencyValue(), settings.readConsistency());
    int max = settings.keys().maxConcurrentScans();
    if (scans >= max) {
      call.fail(
          Status.OVERLOADED,
          "kv keys: " + scans + " keys scans are running on this node already, its limit "
              + "(meshwork.kv.keys.max-concurrent-scans = " + max + "); try again shortly");
      return;
    }
    if (call.isExpired()) {
      return;
    }
    KeysPage page = new KeysPage(prefix, request.getStartAfter(), limit, settings.keys().maxReplyBytes());
    var scan =
        ctx.spawnAnonymous(
            KeysScan.create(call, page, consistency, kv), DispatcherSelector.fromConfig(KvSettings.SCAN_DISPATCHER));
    ctx.watchWith(scan, ScanEnded.INSTANCE);
    scans++;
  }

  // ---- reads of one key at MAJORITY or ALL

  /** An operation's read of one key, and the operation it is for. */
  record KeyReadOp(KeyRead read, KvOp op) {}

  /** Starts {@code op}'s read of its key: this node's replica, and every other kv node's. */
  void readKey(KvOp op) {
    ClusterEvent.CurrentClusterState state = cluster.state();
    List<Address> others = KvNodes.others(state, cluster.selfAddress());
    long id = ++nextKeyReadId;
    KeyRead read = new KeyRead(id, op.key, op.consistency, others.size() + 1);
    KeyReadOp pending = new KeyReadOp(read, op);
    keyReads.put(id, pending);
    read.timer(ctx.scheduleOnce(op.timeout(), ctx.getSelf(), new KeyReadTimedOut(id)));
    kv.replicator.tell(
        new Replicator.Get<>(op.bucket, Replicator.readLocal(), java.util.Optional.<Object>of(pending)), readReplies);
    KvKeyStateRequest request = KvKeyStateRequest.newBuilder().setRequestId(id).setKey(op.key).build();
    var system = Adapter.toClassic(ctx.getSystem());
    for (Address other : others) {
      system.actorSelection(other + "/system/" + KeyStateReader.NAME).tell(request, keyStateReplies);
    }
  }

  private Behavior<Command> onReadDone(ReadDone m) {
    Object context = m.response().request().get();
    if (context instanceof KeyReadOp pending) {
      if (keyReads.get(pending.read().id) == pending) {
        pending.read().local(KvOp.bucketOf(m.response()));
        finishIfDone(pending);
      }
    } else {
      ((KvOp) context).read(m.response());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onKeyStateArrived(KeyStateArrived m) {
    KeyReadOp pending = keyReads.get(m.reply().getRequestId());
    if (pending != null) { // else: answered already (enough answers, or timed out)
      try {
        pending.read().remote(KeyState.decode(m.reply(), serialization));
      } catch (RuntimeException e) {
        ctx.getLog().warn("kv: a read of key '{}' got an answer it cannot read: {}", pending.op().shortKey(), e.toString());
        return Behaviors.same();
      }
      finishIfDone(pending);
    }
    return Behaviors.same();
  }

  private void finishIfDone(KeyReadOp pending) {
    if (pending.read().done()) {
      keyReads.remove(pending.read().id);
      pending.read().cancelTimer();
      pending.op().keyRead(pending.read());
    }
  }

  private Behavior<Command> onKeyReadTimedOut(KeyReadTimedOut m) {
    KeyReadOp pending = keyReads.remove(m.id());
    if (pending != null) {
      KeyRead read = pending.read();
      pending.op().failUnreachable(
          "read", " of key '" + pending.op().shortKey() + "'",
          " (" + read.answers() + " of the " + read.needed() + " needed)");
    }
    return Behaviors.same();
  }

  void logError(String format, Object... args) {
    ctx.getLog().error(format, args);
  }

  String reachability() {
    return KvNodes.reachability(cluster.state());
  }
}
