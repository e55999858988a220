package io.meshwork.node.routing;

import io.meshwork.service.internal.CallMessage;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The instances of one service as this node sees them. Local instances are preferred; without
 * one, calls are spread round-robin over the reachable remote instances.
 *
 * @param local reachable instances on this node
 * @param remote reachable instances on other nodes
 * @param unreachable instances on nodes that are currently unreachable (never routed to)
 */
public record ServiceRoutes(
    String name,
    List<ActorRef<CallMessage>> local,
    List<ActorRef<CallMessage>> remote,
    List<ActorRef<CallMessage>> unreachable,
    AtomicInteger cursor) {

  public ServiceRoutes(
      String name,
      List<ActorRef<CallMessage>> local,
      List<ActorRef<CallMessage>> remote,
      List<ActorRef<CallMessage>> unreachable) {
    this(name, List.copyOf(local), List.copyOf(remote), List.copyOf(unreachable), new AtomicInteger());
  }

  /** An instance to call, or null when no reachable instance exists. */
  public ActorRef<CallMessage> pick() {
    List<ActorRef<CallMessage>> candidates = local.isEmpty() ? remote : local;
    int n = candidates.size();
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return candidates.get(0);
    }
    return candidates.get(Math.floorMod(cursor.getAndIncrement(), n));
  }

  public boolean hasReachableInstance() {
    return !local.isEmpty() || !remote.isEmpty();
  }
}
