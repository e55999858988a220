package io.meshwork.services.kv;

import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvKeysReply;
import io.meshwork.protocol.services.v1.KvKeysRequest;
import io.meshwork.protocol.services.v1.KvStoredValue;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import java.util.Iterator;
import java.util.Optional;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Replicator;

/**
 * One {@code keys} call: reads the buckets at the call's consistency, at most {@code
 * keys.buckets-in-flight} at a time, feeds each one's keys to a {@link KeysPage} and answers the
 * call. The kv actor spawns it on {@code meshwork.kv.scan-dispatcher}, away from the event loops,
 * one bucket per message; it stops when it has answered, or when the caller's deadline has passed.
 */
final class KeysScan extends AbstractBehavior<KeysScan.Command> {
  sealed interface Command {}

  private record BucketRead(Replicator.GetResponse<?> response) implements Command {}

  private final Call<KvKeysRequest, KvKeysReply> call;
  private final KeysPage page;
  private final ActorRef replicator;
  private final Consistency consistency;
  private final Iterator<Key<LWWMap<String, KvStoredValue>>> toRead;
  private final ActorRef replies;
  private int inFlight;

  static Behavior<Command> create(
      Call<KvKeysRequest, KvKeysReply> call,
      KeysPage page,
      Consistency consistency,
      KvReplicator kv) {
    return Behaviors.setup(ctx -> new KeysScan(ctx, call, page, consistency, kv));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private KeysScan(
      ActorContext<Command> ctx,
      Call<KvKeysRequest, KvKeysReply> call,
      KeysPage page,
      Consistency consistency,
      KvReplicator kv) {
    super(ctx);
    this.call = call;
    this.page = page;
    this.consistency = consistency;
    this.replicator = kv.replicator;
    this.toRead = kv.buckets.all().iterator();
    this.replies =
        Adapter.toClassic(
            ctx.messageAdapter(
                (Class) Replicator.GetResponse.class, r -> new BucketRead((Replicator.GetResponse<?>) r)));
    for (int i = 0; i < kv.settings.keys().bucketsInFlight() && toRead.hasNext(); i++) {
      readNext();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(BucketRead.class, this::onBucketRead).build();
  }

  private void readNext() {
    // Each read may take what is left of the call's time.
    Replicator.ReadConsistency read =
        switch (consistency) {
          case LOCAL -> Replicator.readLocal();
          case MAJORITY -> new Replicator.ReadMajority(KvNodes.replicaTimeout(call));
          default -> new Replicator.ReadAll(KvNodes.replicaTimeout(call));
        };
    replicator.tell(new Replicator.Get<>(toRead.next(), read, Optional.empty()), replies);
    inFlight++;
  }

  private Behavior<Command> onBucketRead(BucketRead m) {
    inFlight--;
    if (call.isExpired()) {
      return Behaviors.stopped(); // the runtime has answered DEADLINE_EXCEEDED already
    }
    Replicator.GetResponse<?> response = m.response();
    if (response instanceof Replicator.GetSuccess<?> success) {
      @SuppressWarnings("unchecked")
      LWWMap<String, KvStoredValue> bucket = (LWWMap<String, KvStoredValue>) success.dataValue();
      scala.collection.Iterator<String> keys = bucket.underlying().keys().elementsMap().keysIterator();
      while (keys.hasNext()) {
        page.offer(keys.next());
      }
    } else if (!(response instanceof Replicator.NotFound<?>)) {
      call.fail(
          Status.UNAVAILABLE,
          "kv keys: a " + consistency + " read got too few answers from the kv nodes within "
              + KvNodes.replicaTimeout(call).toMillis() + " ms ("
              + KvNodes.reachability(Cluster.get(Adapter.toClassic(getContext().getSystem())).state()) + ")");
      return Behaviors.stopped();
    }
    if (toRead.hasNext()) {
      readNext();
      return this;
    }
    if (inFlight == 0) {
      call.reply(page.reply());
      return Behaviors.stopped();
    }
    return this;
  }
}
