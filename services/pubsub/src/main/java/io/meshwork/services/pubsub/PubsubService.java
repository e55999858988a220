package io.meshwork.services.pubsub;

import io.meshwork.protocol.services.v1.PublishReply;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import io.meshwork.service.StreamCall;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * {@code pubsub}: topics across the cluster, on Pekko's typed {@link Topic}. {@code publish} sends
 * a message to every current subscriber of a topic, on any node; {@code subscribe} is a streaming
 * method that pushes every message published after the subscription is in place to the client's
 * connection, until the client disconnects.
 *
 * <p>Nobody waits for a slow subscriber: a publish is a fire-and-forget message, each subscriber
 * has an actor of its own, and its stream goes to its connection through a bounded outbox; a
 * client that does not keep up gets a last frame {@code OVERLOADED} saying so, and its
 * subscription ends. A new subscription reaches the instances on other nodes through the cluster's
 * Receptionist, within a few seconds; messages published before then do not reach it.
 */
public final class PubsubService implements MeshService {
  /** Topic names: 1 to 200 of letters, digits and {@code . _ - / :}. */
  static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._\\-/:]{1,200}");

  /** The largest message data, so that a message always fits an Artery frame. */
  static final int MAX_DATA_BYTES = 256 * 1024;

  sealed interface Command {}

  record Publish(Call<PublishRequest, PublishReply> call) implements Command {}

  record Subscribe(StreamCall<SubscribeRequest, TopicMessage> stream) implements Command {}

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Command>builder("pubsub")
        .unary(
            "publish",
            PublishRequest.getDefaultInstance(),
            PublishReply.getDefaultInstance(),
            Publish::new)
        .streaming(
            "subscribe",
            SubscribeRequest.getDefaultInstance(),
            TopicMessage.getDefaultInstance(),
            Subscribe::new)
        .behavior(context -> behavior())
        .build();
  }

  private static Behavior<Command> behavior() {
    return Behaviors.setup(
        ctx -> {
          Map<String, ActorRef<Topic.Command<TopicMessage>>> topics = new HashMap<>();
          return Behaviors.receive(Command.class)
              .onMessage(
                  Publish.class,
                  p -> {
                    PublishRequest request = p.call().request();
                    checkTopic(request.getTopic());
                    if (request.getData().size() > MAX_DATA_BYTES) {
                      throw new ServiceException(
                          Status.BAD_REQUEST,
                          "data: "
                              + request.getData().size()
                              + " bytes (expected: at most "
                              + MAX_DATA_BYTES
                              + ")");
                    }
                    topic(ctx, topics, request.getTopic())
                        .tell(
                            Topic.publish(
                                TopicMessage.newBuilder()
                                    .setTopic(request.getTopic())
                                    .setData(request.getData())
                                    .build()));
                    p.call().reply(PublishReply.getDefaultInstance());
                    return Behaviors.same();
                  })
              .onMessage(
                  Subscribe.class,
                  s -> {
                    String name = s.stream().request().getTopic();
                    checkTopic(name);
                    ctx.spawnAnonymous(
                        subscriber(s.stream(), topic(ctx, topics, name)),
                        DispatcherSelector.sameAsParent());
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private static void checkTopic(String topic) {
    if (!TOPIC.matcher(topic).matches()) {
      throw new ServiceException(
          Status.BAD_REQUEST,
          "topic: \""
              + (topic.length() > 40 ? topic.substring(0, 40) + "..." : topic)
              + "\" (expected: 1 to 200 of letters, digits and . _ - / :)");
    }
  }

  private static ActorRef<Topic.Command<TopicMessage>> topic(
      ActorContext<Command> ctx, Map<String, ActorRef<Topic.Command<TopicMessage>>> topics, String name) {
    return topics.computeIfAbsent(
        name,
        n ->
            ctx.spawn(
                Topic.create(TopicMessage.class, "meshwork-pubsub-" + n),
                "topic-" + URLEncoder.encode(n, StandardCharsets.UTF_8),
                DispatcherSelector.sameAsParent()));
  }

  /** Stops a subscriber: its stream was cancelled. */
  private enum Stop {
    INSTANCE
  }

  /**
   * One subscription: an actor subscribed to the topic that emits every message to its stream;
   * when the stream is cancelled it stops, and the topic forgets it.
   */
  private static Behavior<Object> subscriber(
      StreamCall<SubscribeRequest, TopicMessage> stream,
      ActorRef<Topic.Command<TopicMessage>> topic) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<TopicMessage> self = ctx.getSelf().narrow();
          topic.tell(Topic.subscribe(self));
          stream.onCancel(ctx.getSelf(), Stop.INSTANCE);
          return Behaviors.receive(Object.class)
              .onMessage(
                  TopicMessage.class,
                  m -> stream.emit(m) ? Behaviors.same() : Behaviors.stopped())
              .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
              .build();
        });
  }
}
