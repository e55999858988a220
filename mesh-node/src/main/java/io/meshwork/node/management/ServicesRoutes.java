package io.meshwork.node.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.routing.RoutingTable;
import io.meshwork.node.routing.ServiceRoutes;
import io.meshwork.service.internal.CallMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Meshwork's own management routes. {@code GET /services}: every service in the cluster with its
 * instances, as this node's routing table sees them.
 *
 * <pre>{@code
 * {"selfNode":"pekko://meshwork@127.0.0.1:2551","listingsSettled":true,
 *  "services":[{"name":"echo","instances":[
 *      {"node":"pekko://meshwork@127.0.0.1:2551","local":true,"reachable":true}]}]}
 * }</pre>
 */
public final class ServicesRoutes implements ManagementRouteProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final NodeRuntime runtime;
  private final Address self;

  public ServicesRoutes(ExtendedActorSystem system) {
    this.runtime = NodeRuntime.get(system);
    this.self = Cluster.get(system).selfAddress();
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.path(
        "services", () -> Directives.get(() -> Directives.complete(servicesResponse())));
  }

  private HttpResponse servicesResponse() {
    try {
      byte[] body = JSON.writeValueAsBytes(listing(runtime.routingTable()));
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render /services", e);
    }
  }

  ServiceList listing(RoutingTable table) {
    List<Service> services = new ArrayList<>();
    for (ServiceRoutes routes : table.services().values()) {
      List<Instance> instances = new ArrayList<>();
      routes.local().forEach(ref -> instances.add(instance(ref, true, true)));
      routes.remote().forEach(ref -> instances.add(instance(ref, false, true)));
      routes.unreachable().forEach(ref -> instances.add(instance(ref, false, false)));
      instances.sort(Comparator.comparing(Instance::node));
      services.add(new Service(routes.name(), instances));
    }
    services.sort(Comparator.comparing(Service::name));
    return new ServiceList(self.toString(), table.settled(), services);
  }

  private Instance instance(ActorRef<CallMessage> ref, boolean local, boolean reachable) {
    Address address = ref.path().address();
    boolean isLocal = address.hasLocalScope();
    String node = isLocal ? self.toString() : address.toString();
    return new Instance(node, local || isLocal, reachable);
  }

  /** Body of {@code GET /services}. */
  public record ServiceList(String selfNode, boolean listingsSettled, List<Service> services) {}

  /** One service and where it runs. */
  public record Service(String name, List<Instance> instances) {}

  /** One instance of a service. */
  public record Instance(String node, boolean local, boolean reachable) {}
}
