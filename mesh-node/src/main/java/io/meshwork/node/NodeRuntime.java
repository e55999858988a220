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
  private final ConcurrentHashMap<ActorRef<CallMessage>, AtomicInteger> outstanding =
      new ConcurrentHashMap<>();

  public static NodeRuntime get(ActorSystem system) {
    return Id.INSTANCE.get(system);
  }

  public static NodeRuntime get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return Id.INSTANCE.get(system);
  }

  public RoutingTable routingTable() {
    return routingTable;
  }

  public void routingTable(RoutingTable table) {
    this.routingTable = table;
  }

  /** The bound client endpoint, or null until it is bound (and after it is unbound). */
  public InetSocketAddress endpointAddress() {
    return endpointAddress;
  }

  public void endpointAddress(InetSocketAddress address) {
    this.endpointAddress = address;
  }

  /** The client endpoint's token check, or null when {@code meshwork.auth} is off. */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  public void clientAuth(ClientAuth auth) {
    this.clientAuth = auth;
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
  }

  /**
   * True when the node can serve: its client endpoint listens, every service it hosts is spawned
   * and visible in its own routing table (so a call to it is routed, not refused), and it has been
   * Up for the listing settle time (so it knows the other nodes' services). Cluster membership is
   * checked separately (see NodeReadinessCheck).
   */
  public boolean servesClients() {
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
