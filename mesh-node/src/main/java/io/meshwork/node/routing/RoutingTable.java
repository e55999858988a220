package io.meshwork.node.routing;

import io.meshwork.protocol.v1.Status;
import io.meshwork.service.internal.CallMessage;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An immutable snapshot of where every service runs, rebuilt by {@link ServiceDirectory} on each
 * Receptionist listing and read by every connection without locks or asks.
 *
 * @param services every service that has at least one registered instance
 * @param everSeen names of every service this node has ever seen listed
 * @param settled true once the node has been Up for the listing settle time, so a name never seen
 *     means "no such service" rather than "listings not received yet"
 */
public record RoutingTable(Map<String, ServiceRoutes> services, Set<String> everSeen, boolean settled) {

  public static final RoutingTable EMPTY = new RoutingTable(Map.of(), Set.of(), false);

  public RoutingTable {
    services = Map.copyOf(services);
    everSeen = Set.copyOf(everSeen);
  }

  /** An instance of {@code service} to call, or null; then {@link #miss} explains why. */
  public ActorRef<CallMessage> pick(String service) {
    ServiceRoutes routes = services.get(service);
    return routes == null ? null : routes.pick();
  }

  /** Why {@link #pick} found nothing: the status and message for the client. */
  public Miss miss(String service) {
    return miss(service, Map.of());
  }

  /** Why a pick with these request headers found nothing. */
  public Miss miss(String service, Map<String, String> headers) {
    ServiceRoutes routes = services.get(service);
    if (routes != null
        && routes.hasReachableInstance()
        && routes.strategy() instanceof RoutingStrategy.ConsistentHash hash
        && !headers.containsKey(hash.header())) {
      return new Miss(
          Status.BAD_REQUEST,
          "service \""
              + service
              + "\" routes by the request header \""
              + hash.header()
              + "\" (consistent hashing), and this request has none");
    }
    if (routes != null && !routes.unreachable().isEmpty()) {
      return new Miss(
          Status.UNAVAILABLE,
          "service \""
              + service
              + "\" has "
              + routes.unreachable().size()
              + " instance(s), all on unreachable nodes");
    }
    if (everSeen.contains(service)) {
      return new Miss(
          Status.UNAVAILABLE, "service \"" + service + "\" has no instance in the cluster right now");
    }
    if (!settled) {
      return new Miss(
          Status.UNAVAILABLE,
          "service \""
              + service
              + "\" is not known yet: this node has not received the cluster's service listings"
              + " (retry shortly)");
    }
    return new Miss(Status.NOT_FOUND, "no service \"" + service + "\" in the cluster");
  }

  RoutingTable withSettled() {
    return new RoutingTable(services, everSeen, true);
  }

  /** A failed lookup. */
  public record Miss(Status status, String message) {}
}
