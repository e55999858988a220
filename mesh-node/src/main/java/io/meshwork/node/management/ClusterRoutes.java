package io.meshwork.node.management;

import io.meshwork.node.NodeRuntime;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Pekko Management's cluster routes ({@code /cluster/members}, {@code /cluster/shards}), registered
 * in place of {@code ClusterHttpManagementRouteProvider} ({@code
 * pekko.management.http.routes.cluster-management}), with the mutating ones behind {@link
 * MutationGuard}.
 */
public final class ClusterRoutes implements ManagementRouteProvider {
  private final Cluster cluster;
  private final NodeRuntime runtime;

  public ClusterRoutes(ExtendedActorSystem system) {
    this.cluster = Cluster.get(system);
    this.runtime = NodeRuntime.get(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return MutationGuard.clusterRoutes(cluster, settings, runtime.managementSettings());
  }
}
