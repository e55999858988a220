package io.meshwork.node.management;

import io.meshwork.node.config.ManagementSettings;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.headers.BasicHttpCredentials;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Pekko Management's cluster routes ({@code /cluster/...}) as {@link ClusterRoutes} serves them: the
 * read routes for everyone; the mutating ones (join, leave, down) only when {@code
 * meshwork.management.allow-mutations} is on (else 405, as Pekko's read-only routes answer), and
 * then only with the configured basic credentials, sent over HTTPS or from a loopback address
 * (else 403: a password must not cross a network in clear text, and is refused even when right).
 * Missing or wrong credentials: 401 with a basic challenge.
 *
 * <p>Pekko Management's own authenticator ({@code ManagementRouteProviderSettings.withAuth})
 * would guard every route, health checks included, which would break probes of {@code /ready}; so
 * the guard is here, around the mutating routes only.
 */
public final class MutationGuard {
  private static final String REALM = "meshwork-management";

  private MutationGuard() {}

  /**
   * The cluster routes for these settings: read-only, or all of them with the mutating ones
   * guarded. {@code management} null (a system not started by MeshNode) means read-only.
   */
  public static Route clusterRoutes(
      Cluster cluster, ManagementRouteProviderSettings settings, ManagementSettings management) {
    if (settings.readOnly() || management == null || !management.allowMutations()) {
      return ClusterHttpManagementRoutes.readOnly(cluster);
    }
    boolean https = settings.httpsConnectionContext().isPresent();
    Route all = ClusterHttpManagementRoutes.all(cluster);
    return Directives.pathPrefixTest(
        "cluster",
        () ->
            Directives.extractMethod(
                method ->
                    method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD)
                        ? all
                        : guarded(management, https, all)));
  }

  private static Route guarded(ManagementSettings management, boolean https, Route inner) {
    return Directives.optionalAttribute(
        AttributeKeys.remoteAddress,
        remote -> {
          if (!https && !fromLoopback(remote)) {
            return Directives.complete(
                text(
                    403,
                    "the mutating management routes accept credentials only over HTTPS"
                        + " (meshwork.management.https.key-store) or from a loopback address"));
          }
          return Directives.extractCredentials(
              credentials -> {
                if (credentials.isEmpty()) {
                  return challenge("credentials required");
                }
                if (!valid(management, credentials.get())) {
                  return challenge("wrong credentials");
                }
                return inner;
              });
        });
  }

  /**
   * The TCP peer's address (the attribute Pekko Management asks Pekko HTTP for), never a header
   * such as X-Forwarded-For, which any client can write.
   */
  private static boolean fromLoopback(Optional<RemoteAddress> remote) {
    return remote.flatMap(RemoteAddress::getAddress).map(InetAddress::isLoopbackAddress).orElse(false);
  }

  private static boolean valid(ManagementSettings management, HttpCredentials credentials) {
    if (!(credentials instanceof BasicHttpCredentials basic)) {
      return false;
    }
    byte[] given;
    try {
      given =
          MessageDigest.getInstance("SHA-256")
              .digest(basic.password().getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    // Both compared in constant time, and both always compared.
    boolean user =
        MessageDigest.isEqual(
            basic.username().getBytes(StandardCharsets.UTF_8),
            management.user().getBytes(StandardCharsets.UTF_8));
    boolean password = MessageDigest.isEqual(given, management.passwordSha256());
    return user & password;
  }

  private static Route challenge(String reason) {
    return Directives.complete(
        text(401, reason + " (HTTP basic: meshwork.management.user and password-sha256)")
            .addHeader(WWWAuthenticate.create(HttpChallenge.createBasic(REALM))));
  }

  private static HttpResponse text(int status, String message) {
    String json = "{\"error\":\"" + message.replace("\"", "\\\"") + "\"}";
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, json);
  }
}
