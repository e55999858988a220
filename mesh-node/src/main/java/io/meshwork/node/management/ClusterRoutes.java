package io.meshwork.node.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.NodeRuntime;
import java.net.MalformedURLException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Pekko Management's cluster routes ({@code /cluster/members}, {@code /cluster/shards}), registered
 * in place of {@code ClusterHttpManagementRouteProvider} ({@code
 * pekko.management.http.routes.cluster-management}): the read routes as they are, the mutating ones
 * behind {@link MutationGuard}, and a member address that does not parse ({@code POST
 * /cluster/members} with {@code address=nonsense}) answered 400 with a JSON {@code {"error": ...}},
 * where Pekko Management itself throws, answers 500 and logs the exception at ERROR.
 */
public final class ClusterRoutes implements ManagementRouteProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final ExceptionHandler BAD_ADDRESS =
      ExceptionHandler.newBuilder()
          .match(
              MalformedURLException.class,
              e ->
                  Directives.complete(
                      problem(
                          "address: \""
                              + e.getMessage()
                              + "\" (expected: a member address, pekko://system@host:port)")))
          .build();

  private final Cluster cluster;
  private final NodeRuntime runtime;

  public ClusterRoutes(ExtendedActorSystem system) {
    this.cluster = Cluster.get(system);
    this.runtime = NodeRuntime.get(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Route routes = MutationGuard.clusterRoutes(cluster, settings, runtime.managementSettings());
    return Directives.handleExceptions(BAD_ADDRESS, () -> routes);
  }

  private static HttpResponse problem(String error) {
    try {
      return HttpResponse.create()
          .withStatus(400)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(new ServicesRoutes.Problem(error)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render an error", e);
    }
  }
}
