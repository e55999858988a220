package io.meshwork.node.management;

import io.meshwork.node.NodeRuntime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Readiness ({@code GET /ready}): the node is a cluster member with status Up, its client endpoint
 * is listening, every service it hosts is registered and routable, and the cluster's service
 * listings have had {@code meshwork.routing.listing-settle-time} to arrive. Configured in meshwork-node.conf; Pekko Management instantiates it.
 */
public final class NodeReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final NodeRuntime runtime;
  private final Cluster cluster;

  public NodeReadinessCheck(ActorSystem system) {
    this.runtime = NodeRuntime.get(system);
    this.cluster = Cluster.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    boolean up = cluster.selfMember().status() == MemberStatus.up();
    return CompletableFuture.completedFuture(up && runtime.servesClients());
  }
}
