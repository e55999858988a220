package io.meshwork.services.pubsub;

import static java.util.Objects.requireNonNull;

import io.meshwork.protocol.services.v1.PubsubStatsReply;
import io.meshwork.protocol.services.v1.PubsubStatsRequest;
import io.meshwork.protocol.services.v1.PublishReply;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceException;
import io.meshwork.service.StreamCall;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One pubsub instance: this node's topics and their subscribers, and the relay to the instances on
 * the other nodes.
 *
 * <p>A topic exists here only while it has a subscriber here: it is an entry of a map from its name
 * to its {@link Subscriber} actors, made by the first subscription and removed, in the same
 * message, as its last subscriber goes. Publishing makes nothing: the message goes to the local
 * subscribers of its topic, if any, and to every other node's instance, which does the same with
 * its own. So a client that names a million topics costs no memory, and the instances register
 * once each with the Receptionist, not once per topic. Everything happens in this one actor, so a
 * publish never races a topic's removal: it finds the topic with its subscribers, or no topic.
 *
 * <p>Bounds ({@link PubsubSettings}): past {@code max-topics} a subscription to a new topic, and
 * past {@code max-subscribers-per-topic} one more to a full topic, gets {@code OVERLOADED}.
 */
final class Topics extends AbstractBehavior<Topics.Command> {
  /** The instances of every node, each registered once: a publish goes to all of them. */
  static final ServiceKey<TopicMessage> INSTANCES =
      ServiceKey.create(TopicMessage.class, "meshwork-pubsub-instances");

  sealed interface Command {}

  record Publish(Call<PublishRequest, PublishReply> call) implements Command {}

  record Subscribe(StreamCall<SubscribeRequest, TopicMessage> stream) implements Command {}

  record Stats(Call<PubsubStatsRequest, PubsubStatsReply> call) implements Command {}

  /** A message published on another node's instance: for this node's subscribers only. */
  private record Relayed(TopicMessage message) implements Command {}

  /** The instances on every node, as the Receptionist lists them. */
  private record Instances(Receptionist.Listing listing) implements Command {}

  /** A subscriber's stream was cancelled: the client disconnected or does not read. */
  private record Cancelled(String topic, ActorRef<TopicMessage> subscriber) implements Command {}

  /** A subscriber stopped (its reply path terminated, or it failed). */
  private record Stopped(String topic, ActorRef<TopicMessage> subscriber) implements Command {}

  private final PubsubSettings settings;
  private final Map<String, Set<ActorRef<TopicMessage>>> topics = new HashMap<>();
  private final ActorRef<TopicMessage> relay;
  private Set<ActorRef<TopicMessage>> peers = Set.of();
  private int subscribers;

  static Behavior<Command> create(PubsubSettings settings) {
    requireNonNull(settings, "settings");
    return Behaviors.setup(ctx -> new Topics(ctx, settings));
  }

  private Topics(ActorContext<Command> ctx, PubsubSettings settings) {
    super(ctx);
    this.settings = settings;
    // The registered inbox is a child actor, not a message adapter: an actor's adapters share one
    // ref, and the Receptionist refuses to watch one ref both as an instance and as a subscriber.
    ActorRef<Command> self = ctx.getSelf();
    this.relay =
        ctx.spawn(
            Behaviors.receive(TopicMessage.class)
                .onMessage(
                    TopicMessage.class,
                    m -> {
                      self.tell(new Relayed(m));
                      return Behaviors.same();
                    })
                .build(),
            "relay",
            DispatcherSelector.sameAsParent());
    ActorRef<Receptionist.Listing> listings =
        ctx.messageAdapter(Receptionist.Listing.class, Instances::new);
    ActorRef<Receptionist.Command> receptionist = ctx.getSystem().receptionist();
    receptionist.tell(Receptionist.register(INSTANCES, relay));
    receptionist.tell(Receptionist.subscribe(INSTANCES, listings));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Stats.class, this::onStats)
        .onMessage(Relayed.class, this::onRelayed)
        .onMessage(Instances.class, this::onInstances)
        .onMessage(Cancelled.class, this::onCancelled)
        .onMessage(Stopped.class, this::onStopped)
        .build();
  }

  private Behavior<Command> onPublish(Publish p) {
    PublishRequest request = p.call().request();
    TopicNames.check(request.getTopic(), settings);
    if (request.getData().size() > PubsubService.MAX_DATA_BYTES) {
      throw new ServiceException(
          Status.BAD_REQUEST,
          "data: "
              + request.getData().size()
              + " bytes (expected: at most "
              + PubsubService.MAX_DATA_BYTES
              + ")");
    }
    TopicMessage message =
        TopicMessage.newBuilder().setTopic(request.getTopic()).setData(request.getData()).build();
    deliver(message);
    for (ActorRef<TopicMessage> peer : peers) {
      peer.tell(message);
    }
    p.call().reply(PublishReply.getDefaultInstance());
    return this;
  }

  private Behavior<Command> onSubscribe(Subscribe s) {
    StreamCall<SubscribeRequest, TopicMessage> stream = s.stream();
    String name = stream.request().getTopic();
    TopicNames.check(name, settings);
    Set<ActorRef<TopicMessage>> topic = topics.get(name);
    if (topic == null && topics.size() >= settings.maxTopics()) {
      throw new ServiceException(
          Status.OVERLOADED,
          "the node has " + topics.size() + " topics (meshwork.pubsub.max-topics)");
    }
    if (topic != null && topic.size() >= settings.maxSubscribersPerTopic()) {
      throw new ServiceException(
          Status.OVERLOADED,
          "topic \""
              + name
              + "\" has "
              + topic.size()
              + " subscribers on this node (meshwork.pubsub.max-subscribers-per-topic)");
    }
    ActorRef<TopicMessage> subscriber =
        getContext().spawnAnonymous(Subscriber.create(stream), DispatcherSelector.sameAsParent());
    getContext().watchWith(subscriber, new Stopped(name, subscriber));
    // Registered here, on the instance's own actor, where the runtime cancels streams: the topic
    // forgets the subscriber in the very message that says its stream was cancelled.
    stream.onCancel(getContext().getSelf(), new Cancelled(name, subscriber));
    topics.computeIfAbsent(name, n -> new HashSet<>()).add(subscriber);
    subscribers++;
    return this;
  }

  private Behavior<Command> onStats(Stats s) {
    s.call()
        .reply(
            PubsubStatsReply.newBuilder()
                .setTopics(topics.size())
                .setSubscribers(subscribers)
                .setMaxTopics(settings.maxTopics())
                .setMaxSubscribersPerTopic(settings.maxSubscribersPerTopic())
                .build());
    return this;
  }

  private Behavior<Command> onRelayed(Relayed r) {
    deliver(r.message());
    return this;
  }

  private Behavior<Command> onInstances(Instances i) {
    Set<ActorRef<TopicMessage>> all = i.listing().getServiceInstances(INSTANCES);
    Set<ActorRef<TopicMessage>> others = new HashSet<>(all);
    others.remove(relay);
    peers = Set.copyOf(others);
    return this;
  }

  private Behavior<Command> onCancelled(Cancelled c) {
    if (forget(c.topic(), c.subscriber())) {
      getContext().stop(c.subscriber());
    }
    return this;
  }

  private Behavior<Command> onStopped(Stopped s) {
    forget(s.topic(), s.subscriber());
    return this;
  }

  private void deliver(TopicMessage message) {
    Set<ActorRef<TopicMessage>> topic = topics.get(message.getTopic());
    if (topic != null) {
      for (ActorRef<TopicMessage> subscriber : topic) {
        subscriber.tell(message);
      }
    }
  }

  /** Removes a subscriber, and its topic with its last one; true if it was still there. */
  private boolean forget(String name, ActorRef<TopicMessage> subscriber) {
    Set<ActorRef<TopicMessage>> topic = topics.get(name);
    if (topic == null || !topic.remove(subscriber)) {
      return false;
    }
    subscribers--;
    if (topic.isEmpty()) {
      topics.remove(name);
    }
    return true;
  }
}
