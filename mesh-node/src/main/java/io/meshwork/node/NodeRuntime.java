package io.meshwork.node;

import io.meshwork.node.auth.ClientAuth;
import io.meshwork.node.config.ManagementSettings;
import io.meshwork.node.routing.RoutingStrategy;
import io.meshwork.node.routing.RoutingTable;
import io.meshwork.node.routing.ServiceRoutes;
import io.meshwork.service.ServiceContract;
import io.meshwork.service.internal.CallMessage;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The node's shared, lock-free state: the current routing snapshot and the client endpoint's
 * address. One per ActorSystem, reachable from code that Pekko instantiates by class name (the
 * management routes and health checks).
 */
public final class NodeRuntime implements Extension {
  private volatile RoutingTable routingTable = RoutingTable.EMPTY;
  private volatile InetSocketAddress endpointAddress;
  private volatile Set<String> hostedServices;
  private volatile Map<String, ServiceContract> contracts = Map.of();
  private volatile RoutingStrategy.Settings routingStrategies = RoutingStrategy.Settings.DEFAULT;
  private volatile ClientAuth clientAuth;
  private volatile ManagementSettings managementSettings;
  private volatile io.meshwork.node.metrics.NodeMetrics metrics;
  private final ConcurrentHashMap<ActorRef<CallMessage>, AtomicInteger> outstanding =
      new ConcurrentHashMap<>();
  /** Requests from this node's clients in flight (striped: one add per call, a sum per read). */
  private final LongAdder inFlight = new LongAdder();
  /** Client connections open on this node's endpoints. */
  private final AtomicInteger connections = new AtomicInteger();

  public static NodeRuntime get(ActorSystem system) {
    return Id.INSTANCE.get(system);
  }

  public static NodeRuntime get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return Id.INSTANCE.get(system);
  }

  /** Requests in flight from this node's client connections, all endpoints together. */
  public LongAdder inFlight() {
    return inFlight;
  }

  private volatile boolean draining;
  private volatile java.util.List<ActorRef<CallMessage>> localInstances = java.util.List.of();
  private final Set<Runnable> drainHooks = ConcurrentHashMap.newKeySet();

  /** This node's service instances, once spawned. */
  public java.util.List<ActorRef<CallMessage>> localInstances() {
    return localInstances;
  }

  public void localInstances(java.util.List<ActorRef<CallMessage>> instances) {
    this.localInstances = java.util.List.copyOf(instances);
  }

  /** Registers {@code hook}, run once when the node starts draining (see {@link #drain()}). */
  public void onDrain(Runnable hook) {
    drainHooks.add(hook);
    if (draining) {
      hook.run();
    }
  }

  public void removeDrainHook(Runnable hook) {
    drainHooks.remove(hook);
  }

  /**
   * The node is shutting down: it stops being ready, and every client connection stops reading
   * requests, answers those it has read, then closes.
   */
  public void drain() {
    draining = true;
    drainHooks.forEach(Runnable::run);
  }

  public boolean draining() {
    return draining;
  }

  /** Client connections open on this node, all endpoints together. */
  public AtomicInteger connections() {
    return connections;
  }

  public RoutingTable routingTable() {
    return routingTable;
  }

  public void routingTable(RoutingTable table) {
    this.routingTable = table;
    openIfReady();
  }

  private final Set<Runnable> openHooks = ConcurrentHashMap.newKeySet();
  private volatile boolean opened;

  /**
   * Runs {@code hook} once the node has first been able to serve clients ({@link #servesClients}),
   * at once if it has been: client connections read no request before that, so a client that
   * connects to a node still starting waits a moment instead of being refused.
   */
  public void onOpen(Runnable hook) {
    openHooks.add(hook);
    if (opened && openHooks.remove(hook)) {
      hook.run();
    }
  }

  public void removeOpenHook(Runnable hook) {
    openHooks.remove(hook);
  }

  private volatile java.util.function.IntSupplier clusterSize = () -> 1;

  /** How the runtime learns the cluster's size (set by the node at start). */
  public void clusterSize(java.util.function.IntSupplier size) {
    this.clusterSize = size;
  }

  private volatile io.meshwork.node.tracing.NodeTracing tracing;

  /** The node's span exporter, or null when meshwork.tracing is off. */
  public io.meshwork.node.tracing.NodeTracing tracing() {
    return tracing;
  }

  public void tracing(io.meshwork.node.tracing.NodeTracing tracing) {
    this.tracing = tracing;
  }

  private volatile boolean startsAlone = true;

  /**
   * Whether the node starts a new cluster by joining itself (no seed nodes, no discovery), set by
   * the node at start.
   */
  public void startsAlone(boolean alone) {
    this.startsAlone = alone;
  }

  /**
   * True while the node cannot serve yet and another node may: a client connection is then closed
   * at once (not read), so that the client goes to another node instead of waiting for this one.
   * That is the case for a node that joins a cluster (seed nodes or discovery: a restarted node
   * may take seconds to join, and the other members serve meanwhile), and for any node whose
   * cluster already has other members. Only a node that starts a new cluster by itself, alone in
   * it, holds its first connections until it can serve.
   */
  public boolean refusesConnections() {
    return !opened && (!startsAlone || clusterSize.getAsInt() > 1);
  }

  /** True once the node has served clients (see {@link #onOpen}). */
  public boolean opened() {
    return opened;
  }

  private void openIfReady() {
    if (!opened && servesClients()) {
      opened = true;
      for (Runnable hook : openHooks) {
        if (openHooks.remove(hook)) {
          hook.run();
        }
      }
    }
  }

  /** The bound client endpoint, or null until it is bound (and after it is unbound). */
  public InetSocketAddress endpointAddress() {
    return endpointAddress;
  }

  public void endpointAddress(InetSocketAddress address) {
    this.endpointAddress = address;
    openIfReady();
  }

  /** The client endpoint's token check, or null when {@code meshwork.auth} is off. */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  public void clientAuth(ClientAuth auth) {
    this.clientAuth = auth;
  }

  /** The node's metrics, or null when {@code meshwork.metrics} is off (nothing recorded). */
  public io.meshwork.node.metrics.NodeMetrics metrics() {
    return metrics;
  }

  public void metrics(io.meshwork.node.metrics.NodeMetrics metrics) {
    this.metrics = metrics;
  }

  /** The management API's exposure ({@code meshwork.management}); null before the node starts. */
  public ManagementSettings managementSettings() {
    return managementSettings;
  }

  public void managementSettings(ManagementSettings settings) {
    this.managementSettings = settings;
  }

  /** How each service's calls pick an instance ({@code meshwork.routing}). */
  public RoutingStrategy.Settings routingStrategies() {
    return routingStrategies;
  }

  public void routingStrategies(RoutingStrategy.Settings settings) {
    this.routingStrategies = settings;
  }

  /** The number of calls from this node outstanding at {@code instance} (least-outstanding). */
  public AtomicInteger outstanding(ActorRef<CallMessage> instance) {
    return outstanding.computeIfAbsent(instance, i -> new AtomicInteger());
  }

  /** Forgets the counters of instances no longer listed. */
  public void retainOutstanding(Set<ActorRef<CallMessage>> listed) {
    outstanding.keySet().retainAll(listed);
  }

  /** The contracts of every service this node knows (hosted here or not), by name. */
  public Map<String, ServiceContract> contracts() {
    return contracts;
  }

  public void contracts(Map<String, ServiceContract> contracts) {
    this.contracts = Map.copyOf(contracts);
  }

  /** Records which services this node hosts, once they are spawned. */
  public void hostedServices(Set<String> services) {
    this.hostedServices = Set.copyOf(services);
    openIfReady();
  }

  /**
   * True when the node can serve: its client endpoint listens, every service it hosts is spawned
   * and visible in its own routing table (so a call to it is routed, not refused), and it has been
   * Up for the listing settle time (so it knows the other nodes' services). Cluster membership is
   * checked separately (see NodeReadinessCheck).
   */
  public boolean servesClients() {
    if (draining) {
      return false;
    }
    Set<String> hosted = hostedServices;
    RoutingTable routingTable = this.routingTable;
    if (endpointAddress == null || hosted == null || !routingTable.settled()) {
      return false;
    }
    Map<String, ServiceRoutes> services = routingTable.services();
    for (String name : hosted) {
      ServiceRoutes routes = services.get(name);
      if (routes == null || routes.local().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** The extension id. */
  public static final class Id extends AbstractExtensionId<NodeRuntime>
      implements ExtensionIdProvider {
    public static final Id INSTANCE = new Id();

    private Id() {}

    @Override
    public Id lookup() {
      return INSTANCE;
    }

    @Override
    public NodeRuntime createExtension(ExtendedActorSystem system) {
      return new NodeRuntime();
    }
  }
}
