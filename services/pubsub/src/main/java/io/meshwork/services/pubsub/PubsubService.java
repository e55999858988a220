package io.meshwork.services.pubsub;

import io.meshwork.protocol.services.v1.PubsubStatsReply;
import io.meshwork.protocol.services.v1.PubsubStatsRequest;
import io.meshwork.protocol.services.v1.PublishReply;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code pubsub}: topics across the cluster. {@code publish} sends a message to every current
 * subscriber of a topic, on any node; {@code subscribe} is a streaming method that pushes every
 * message published after the subscription is in place to the client's connection, until the
 * client disconnects; {@code stats} tells how many topics and subscribers this node holds.
 *
 * <p>Nobody waits for a slow subscriber: a publish is a fire-and-forget message, each subscriber
 * has an actor of its own, and its stream goes to its connection through a bounded outbox; a
 * client that does not keep up gets a last frame {@code OVERLOADED} saying so, and its
 * subscription ends.
 *
 * <p>No client can make a node hold unbounded state (settings {@code meshwork.pubsub}): a topic
 * exists on a node only while it has subscribers there, at most {@code max-topics} of them, each
 * with at most {@code max-subscribers-per-topic}; publishing to a topic makes nothing. See {@link
 * Topics}.
 */
public final class PubsubService implements MeshService {
  /** The largest message data, so that a message always fits an Artery frame. */
  static final int MAX_DATA_BYTES = 256 * 1024;

  @Override
  public ServiceDefinition<?> definition() {
    return definition(null);
  }

  /** The definition with these settings; null: read {@code meshwork.pubsub} from the node. */
  static ServiceDefinition<Topics.Command> definition(PubsubSettings settings) {
    return ServiceDefinition.<Topics.Command>builder("pubsub")
        .unary(
            "publish",
            PublishRequest.getDefaultInstance(),
            PublishReply.getDefaultInstance(),
            Topics.Publish::new)
        .streaming(
            "subscribe",
            SubscribeRequest.getDefaultInstance(),
            TopicMessage.getDefaultInstance(),
            Topics.Subscribe::new)
        .unary(
            "stats",
            PubsubStatsRequest.getDefaultInstance(),
            PubsubStatsReply.getDefaultInstance(),
            Topics.Stats::new)
        .behavior(
            context ->
                settings != null
                    ? Topics.create(settings)
                    : Behaviors.setup(
                        ctx ->
                            Topics.create(
                                PubsubSettings.fromConfig(ctx.getSystem().settings().config()))))
        .build();
  }
}
