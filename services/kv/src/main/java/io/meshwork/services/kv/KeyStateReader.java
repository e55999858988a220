package io.meshwork.services.kv;

import io.meshwork.protocol.services.v1.KvKeyStateReply;
import io.meshwork.protocol.services.v1.KvKeyStateRequest;
import io.meshwork.protocol.services.v1.KvStoredValue;
import java.util.Optional;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Replicator;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Answers the other kv nodes' MAJORITY and ALL gets with what this node's replica holds of one
 * key ({@link KeyState}), never the whole bucket. One per kv node, beside the replicator, at
 * {@code /system/meshwork-kv-key-reader} on every node, so that a node reaches the others' by
 * their addresses alone, as replicators reach each other. A classic actor because its peers and
 * its replicator speak classic: it answers the sender of each request.
 */
final class KeyStateReader extends AbstractActor {
  static final String NAME = "meshwork-kv-key-reader";

  private final ActorRef replicator;
  private final Buckets buckets;
  private final Serialization serialization;

  /** A request waiting for the local replica. */
  private record Pending(KvKeyStateRequest request, ActorRef replyTo) {}

  static Props props(ActorRef replicator, Buckets buckets) {
    return Props.create(KeyStateReader.class, () -> new KeyStateReader(replicator, buckets));
  }

  private KeyStateReader(ActorRef replicator, Buckets buckets) {
    this.replicator = replicator;
    this.buckets = buckets;
    this.serialization = SerializationExtension.get(getContext().getSystem());
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(KvKeyStateRequest.class, this::onRequest)
        .match(Replicator.GetResponse.class, this::onLocalRead)
        .build();
  }

  private void onRequest(KvKeyStateRequest request) {
    replicator.tell(
        new Replicator.Get<>(
            buckets.of(request.getKey()), Replicator.readLocal(), Optional.<Object>of(new Pending(request, getSender()))),
        getSelf());
  }

  private void onLocalRead(Replicator.GetResponse<?> response) {
    Object context = response.getRequest().orElse(null);
    if (!(context instanceof Pending pending)) {
      return;
    }
    KvKeyStateReply reply;
    if (response instanceof Replicator.GetSuccess<?> success) {
      @SuppressWarnings("unchecked")
      LWWMap<String, KvStoredValue> bucket = (LWWMap<String, KvStoredValue>) success.dataValue();
      reply =
          KeyState.encode(
              pending.request().getRequestId(), KeyState.cut(bucket, pending.request().getKey()), serialization);
    } else {
      // NotFound: this node holds nothing of the bucket. (A local read cannot time out.)
      reply = KvKeyStateReply.newBuilder().setRequestId(pending.request().getRequestId()).build();
    }
    pending.replyTo().tell(reply, getSelf());
  }
}
