package io.meshwork.node;

import io.meshwork.node.routing.RoutingTable;
import java.net.InetSocketAddress;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
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
