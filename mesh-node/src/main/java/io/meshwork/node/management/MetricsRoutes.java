package io.meshwork.node.management;

import io.meshwork.node.NodeRuntime;
import io.meshwork.node.metrics.NodeMetrics;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /metrics}: the node's metrics in the Prometheus text format (see {@link NodeMetrics}),
 * or a JSON 404 when {@code meshwork.metrics.enabled = off}.
 */
public final class MetricsRoutes implements ManagementRouteProvider {
  private final NodeRuntime runtime;

  public MetricsRoutes(ExtendedActorSystem system) {
    this.runtime = NodeRuntime.get(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.path(
        "metrics", () -> Directives.get(() -> Directives.complete(scrape())));
  }

  private HttpResponse scrape() {
    NodeMetrics metrics = runtime.metrics();
    if (metrics == null) {
      return HttpResponse.create()
          .withStatus(404)
          .withEntity(
              ContentTypes.APPLICATION_JSON,
              "{\"error\":\"metrics are off on this node (meshwork.metrics.enabled)\"}"
                  .getBytes(StandardCharsets.UTF_8));
    }
    return HttpResponse.create()
        .withEntity(
            MediaTypes.TEXT_PLAIN.toContentType(HttpCharsets.UTF_8),
            metrics.scrape().getBytes(StandardCharsets.UTF_8));
  }
}
