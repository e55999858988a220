package io.meshwork.node.routing;

import io.meshwork.node.NodeRuntime;
import io.meshwork.service.internal.CallMessage;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps this node's {@link RoutingTable} current: subscribes to the Receptionist's listing of every
 * service instance in the cluster and publishes a fresh immutable snapshot on each change, so that
 * connections route without asking anyone.
 */
public final class ServiceDirectory extends AbstractBehavior<ServiceDirectory.Command> {

  /** The directory's protocol; all private, it only listens. */
  public sealed interface Command permits ListingChanged, SelfIsUp, Settled {}

  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private record SelfIsUp(SelfUp event) implements Command {}

  private enum Settled implements Command {
    INSTANCE
  }

  private final NodeRuntime runtime;
  private final Duration settleTime;
  private final TimerScheduler<Command> timers;
  private final Set<String> everSeen = new HashSet<>();

  public static Behavior<Command> create(NodeRuntime runtime, Duration settleTime) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new ServiceDirectory(ctx, runtime, settleTime, timers)));
  }

  private ServiceDirectory(
      ActorContext<Command> ctx,
      NodeRuntime runtime,
      Duration settleTime,
      TimerScheduler<Command> timers) {
    super(ctx);
    this.runtime = runtime;
    this.settleTime = settleTime;
    this.timers = timers;
    ActorRef<Receptionist.Listing> listings =
        ctx.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(ServiceKeys.ALL, listings));
    ActorRef<SelfUp> up = ctx.messageAdapter(SelfUp.class, SelfIsUp::new);
    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(up, SelfUp.class));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListingChanged.class, this::onListingChanged)
        .onMessage(SelfIsUp.class, this::onSelfUp)
        .onMessageEquals(Settled.INSTANCE, this::onSettled)
        .build();
  }

  private Behavior<Command> onListingChanged(ListingChanged msg) {
    Set<ActorRef<CallMessage>> reachable = msg.listing().getServiceInstances(ServiceKeys.ALL);
    Set<ActorRef<CallMessage>> all = msg.listing().getAllServiceInstances(ServiceKeys.ALL);
    Map<String, List<ActorRef<CallMessage>>> local = new HashMap<>();
    Map<String, List<ActorRef<CallMessage>>> remote = new HashMap<>();
    Map<String, List<ActorRef<CallMessage>>> unreachable = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (ActorRef<CallMessage> ref : all) {
      String service = ServiceKeys.serviceOf(ref.path().name());
      if (service == null) {
        continue;
      }
      everSeen.add(service);
      Map<String, List<ActorRef<CallMessage>>> bucket;
      if (!reachable.contains(ref)) {
        bucket = unreachable;
      } else if (ref.path().address().hasLocalScope()) {
        bucket = local;
      } else {
        bucket = remote;
      }
      bucket.computeIfAbsent(service, k -> new ArrayList<>()).add(ref);
      names.add(service);
    }
    Map<String, ServiceRoutes> services = new HashMap<>();
    RoutingStrategy.Settings strategies = runtime.routingStrategies();
    for (String service : names) {
      services.put(
          service,
          new ServiceRoutes(
              service,
              sorted(local.getOrDefault(service, List.of())),
              sorted(remote.getOrDefault(service, List.of())),
              sorted(unreachable.getOrDefault(service, List.of())),
              strategies.forService(service),
              runtime::outstanding));
    }
    runtime.retainOutstanding(all);
    RoutingTable previous = runtime.routingTable();
    runtime.routingTable(new RoutingTable(services, everSeen, previous.settled()));
    getContext().getLog().debug("Service listing changed: {}", services.keySet());
    return this;
  }

  private Behavior<Command> onSelfUp(SelfIsUp msg) {
    getContext()
        .getLog()
        .info(
            "Meshwork node Up {} ms after JVM start",
            ManagementFactory.getRuntimeMXBean().getUptime());
    timers.startSingleTimer(Settled.INSTANCE, settleTime);
    return this;
  }

  private Behavior<Command> onSettled() {
    runtime.routingTable(runtime.routingTable().withSettled());
    return this;
  }

  /** A stable order, so that round-robin is fair and tests are deterministic. */
  private static List<ActorRef<CallMessage>> sorted(List<ActorRef<CallMessage>> refs) {
    List<ActorRef<CallMessage>> copy = new ArrayList<>(refs);
    copy.sort((a, b) -> a.path().toString().compareTo(b.path().toString()));
    return copy;
  }
}
