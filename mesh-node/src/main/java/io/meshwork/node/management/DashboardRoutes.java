package io.meshwork.node.management;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /dashboard}: a read-only web page of the cluster (members, services and where they
 * run, request rates and p99 per service from {@code /metrics}), with its script and style sheet
 * under {@code /dashboard/}. The files are static resources of the jar ({@code
 * meshwork/dashboard/}); the page polls the node's own read routes from the browser.
 *
 * <p>Every answer carries a Content-Security-Policy that allows only this origin's scripts, styles
 * and fetches (no inline script, no other origin, no framing), so a string from the cluster that
 * slipped into the page as markup still could not run.
 */
public final class DashboardRoutes implements ManagementRouteProvider {
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self';"
          + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final List<HttpHeader> HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create("Cache-Control", "no-cache"));

  private static final ContentType JS = MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8);
  private static final ContentType CSS = MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8);

  /** The files under {@code /dashboard/}, by name; read once, they are small. */
  private final Map<String, HttpResponse> assets;

  private final HttpResponse page;

  public DashboardRoutes(ExtendedActorSystem system) {
    this.page = file("index.html", ContentTypes.TEXT_HTML_UTF8);
    this.assets =
        Map.of(
            "metrics.js", file("metrics.js", JS),
            "dashboard.js", file("dashboard.js", JS),
            "dashboard.css", file("dashboard.css", CSS));
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Route[] files =
        assets.entrySet().stream()
            .map(e -> Directives.path(e.getKey(), () -> Directives.complete(e.getValue())))
            .toArray(Route[]::new);
    return Directives.pathPrefix(
        "dashboard",
        () ->
            Directives.get(
                () ->
                    Directives.concat(
                        Directives.pathEnd(() -> Directives.complete(page)),
                        // The page's links are relative to /dashboard; a trailing slash would move them.
                        Directives.pathSingleSlash(
                            () -> Directives.redirect(Uri.create("../dashboard"), StatusCodes.MOVED_PERMANENTLY)),
                        Directives.concat(files[0], Arrays.copyOfRange(files, 1, files.length)))));
  }

  private static HttpResponse file(String name, ContentType type) {
    String resource = "meshwork/dashboard/" + name;
    try (InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the classpath");
      }
      return HttpResponse.create()
          .withStatus(200)
          .withEntity(type, in.readAllBytes())
          .addHeaders(HEADERS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
