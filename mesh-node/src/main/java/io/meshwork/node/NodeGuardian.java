package io.meshwork.node;

import io.meshwork.node.config.DiscoverySettings;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.hosting.ServiceHosting;
import io.meshwork.node.routing.MeshCalls;
import io.meshwork.node.routing.ServiceDirectory;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * The node's root actor: joins the cluster (itself, when no seed nodes are configured), runs the
 * {@link ServiceDirectory}, and hosts the node's services once its client endpoint is bound.
 */
public final class NodeGuardian extends AbstractBehavior<NodeGuardian.Command> {

  /** The guardian's protocol. */
  public sealed interface Command permits HostServices {}

  /** Spawn and register the node's services; sent once the client endpoint is bound. */
  public record HostServices(InetSocketAddress endpoint) implements Command {}

  private final NodeSettings settings;
  private final Map<String, ServiceDefinition<?>> definitions;
  private boolean hosting;

  public static Behavior<Command> create(
      NodeSettings settings, Map<String, ServiceDefinition<?>> definitions) {
    return Behaviors.setup(ctx -> new NodeGuardian(ctx, settings, definitions));
  }

  private NodeGuardian(
      ActorContext<Command> ctx,
      NodeSettings settings,
      Map<String, ServiceDefinition<?>> definitions) {
    super(ctx);
    this.settings = settings;
    this.definitions = definitions;
    Cluster cluster = Cluster.get(ctx.getSystem());
    if (DiscoverySettings.fromConfig(ctx.getSystem().settings().config()).bootstrap()) {
      // Cluster Bootstrap joins the cluster the contact points report, or forms it (MeshNode).
      ctx.getLog().info("No seed nodes configured: Cluster Bootstrap will find the cluster");
    } else if (settings.seedNodes().isEmpty()) {
      ctx.getLog().info("No seed nodes configured: starting a new cluster");
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    ctx.spawn(
        ServiceDirectory.create(NodeRuntime.get(ctx.getSystem()), settings.listingSettleTime()),
        "service-directory");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(HostServices.class, this::onHostServices).build();
  }

  private Behavior<Command> onHostServices(HostServices msg) {
    if (hosting) {
      return this;
    }
    hosting = true;
    Cluster cluster = Cluster.get(getContext().getSystem());
    ServiceContext context =
        new ServiceContext(
            cluster.selfMember().address().toString(),
            msg.endpoint().getHostString() + ":" + msg.endpoint().getPort(),
            new ArrayList<>(settings.hostedServices().keySet()),
            Set.copyOf(cluster.selfMember().getRoles()),
            new MeshCalls(
                getContext().getSystem(),
                NodeRuntime.get(getContext().getSystem()),
                settings.endpoint().eventLoopDispatcher()));
    NodeRuntime runtime = NodeRuntime.get(getContext().getSystem());
    runtime.localInstances(ServiceHosting.spawnAll(getContext(), definitions, context, settings));
    runtime.hostedServices(definitions.keySet());
    return this;
  }
}
