package io.meshwork.node.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.routing.RoutingTable;
import io.meshwork.node.routing.ServiceRoutes;
import io.meshwork.service.ServiceContract;
import io.meshwork.service.internal.CallMessage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Meshwork's own management routes. {@code GET /services}: every service in the cluster with its
 * instances, as this node's routing table sees them. {@code GET /services/{name}}: one service,
 * its instances and its contract (methods, message types and their .proto files), or 404 with a
 * JSON {@code {"error": ...}}. Any other path under {@code /services} is a JSON 404, any other
 * method a JSON 405.
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
    return Directives.pathPrefix(
        "services",
        () ->
            // Everything under /services is ours: a wrong path or method is answered in JSON
            // here rather than by Pekko HTTP's plain-text defaults.
            Directives.handleRejections(
                REJECTIONS,
                () ->
                    Directives.concat(
                        Directives.pathEnd(
                            () ->
                                Directives.get(
                                    () -> Directives.complete(json(200, listing(runtime.routingTable()))))),
                        Directives.path(
                            PathMatchers.segment(),
                            name -> Directives.get(() -> Directives.complete(serviceResponse(name)))))));
  }

  private static final RejectionHandler REJECTIONS =
      RejectionHandler.newBuilder()
          .handleAll(
              MethodRejection.class,
              rejections ->
                  Directives.extractRequest(
                      request ->
                          Directives.complete(
                              json(
                                  405,
                                  new Problem(
                                      "method "
                                          + request.method().value()
                                          + " on "
                                          + request.getUri().path()
                                          + " (expected: GET)")))))
          .handleNotFound(
              Directives.extractRequest(
                  request ->
                      Directives.complete(
                          json(
                              404,
                              new Problem(
                                  "no route "
                                      + request.getUri().path()
                                      + " (expected: GET /services or GET /services/{name})")))))
          .build();

  private HttpResponse serviceResponse(String name) {
    RoutingTable table = runtime.routingTable();
    ServiceRoutes routes = table.services().get(name);
    ServiceContract contract = runtime.contracts().get(name);
    if (routes == null && contract == null) {
      return json(
          404,
          new Problem(
              "no service \""
                  + name
                  + "\" in the cluster's listings or in this node's meshwork.service-classes"
                  + " (GET /services lists them)"));
    }
    List<Instance> instances = routes == null ? List.of() : instances(routes);
    return json(200, new ServiceDetail(name, instances, contract == null ? null : contract(contract)));
  }

  private static HttpResponse json(int status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + body.getClass().getSimpleName(), e);
    }
  }

  static Contract contract(ServiceContract contract) {
    List<Method> methods = new ArrayList<>();
    for (ServiceContract.Method m : contract.methods()) {
      methods.add(
          new Method(
              m.name(),
              m.streaming() ? "stream" : "unary",
              m.requestType() == null ? null : m.requestType().getFullName(),
              m.replyType() == null ? null : m.replyType().getFullName()));
    }
    return new Contract(
        methods,
        contract.anyMethod(),
        Base64.getEncoder().encodeToString(contract.fileDescriptorSet().toByteArray()));
  }

  private List<Instance> instances(ServiceRoutes routes) {
    List<Instance> instances = new ArrayList<>();
    routes.local().forEach(ref -> instances.add(instance(ref, true, true)));
    routes.remote().forEach(ref -> instances.add(instance(ref, false, true)));
    routes.unreachable().forEach(ref -> instances.add(instance(ref, false, false)));
    instances.sort(Comparator.comparing(Instance::node));
    return instances;
  }

  ServiceList listing(RoutingTable table) {
    List<Service> services = new ArrayList<>();
    for (ServiceRoutes routes : table.services().values()) {
      services.add(new Service(routes.name(), instances(routes)));
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

  /** Body of {@code GET /services/{name}}; {@code contract} is null for a service this node only routes to. */
  public record ServiceDetail(String name, List<Instance> instances, Contract contract) {}

  /**
   * A service's methods and the message types, with {@code fileDescriptorSet}: a base64
   * {@code google.protobuf.FileDescriptorSet} holding every .proto file the types need, imports
   * first.
   */
  public record Contract(List<Method> methods, boolean anyMethod, String fileDescriptorSet) {}

  /**
   * One method: {@code kind} "unary" or "stream" (then {@code replyType} is each item's type); the
   * types are full protobuf names, null when the service does not publish them.
   */
  public record Method(String name, String kind, String requestType, String replyType) {}

  /** A 4xx answer. */
  public record Problem(String error) {}
}
