package io.meshwork.services.pubsub;

import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.service.StreamCall;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One subscription: an actor of its own that emits every message its topic hands it to the
 * subscriber's stream, so that a publisher never waits for it (the stream's bounded outbox decides
 * when a slow reader is dropped). It stops when its stream is cancelled (its topic stops it) or
 * when the stream's reply path terminates: the client's node left the cluster, so no cancellation
 * will ever come.
 */
final class Subscriber {
  private Subscriber() {}

  static Behavior<TopicMessage> create(StreamCall<SubscribeRequest, TopicMessage> stream) {
    return Behaviors.setup(
        ctx -> {
          ctx.watch(stream.replyTo());
          return Behaviors.receive(TopicMessage.class)
              .onMessage(
                  TopicMessage.class,
                  m -> stream.emit(m) ? Behaviors.same() : Behaviors.stopped())
              .onSignal(Terminated.class, t -> Behaviors.stopped())
              .build();
        });
  }
}
