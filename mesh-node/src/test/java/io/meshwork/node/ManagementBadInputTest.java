package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.testing.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management API under bad input. Meshwork's routes ({@code /services...}) and the one case of
 * the cluster routes Meshwork wraps (an unparseable member address) answer 4xx with a JSON {@code
 * {"error": ...}}; Pekko Management's own answers for its routes are pinned here as documented in
 * the README. The node allows the mutating cluster routes, so that they are reached at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementBadInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final TestNodes nodes = new TestNodes();
  private MeshNode node;

  @BeforeAll
  void startNode() {
    // The mutating cluster routes open, with credentials (they are sent from loopback below).
    node =
        nodes.start(
            "echo",
            null,
            Map.of(
                "meshwork.management.allow-mutations", true,
                "meshwork.management.user", "ops",
                "meshwork.management.password-sha256", AuthTest.sha256("fuzz-the-management-api")));
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  @Test
  void unknownServiceNamesWithOddCharactersGet404WithJsonNamingThem() throws Exception {
    Map<String, String> names =
        Map.of(
            "%00", "\u0000",
            "%E2%80%AE", "\u202e",
            "a%2Fb", "a/b",
            "%20echo", " echo",
            "%22%7D%7B", "\"}{",
            "x".repeat(1500), "x".repeat(1500));
    for (Map.Entry<String, String> name : names.entrySet()) {
      HttpResponse<String> r = send("GET", "/services/" + name.getKey(), null);
      assertThat(r.statusCode()).as(name.getKey()).isEqualTo(404);
      assertThat(error(r)).contains("no service \"" + name.getValue() + "\"");
    }
    // Bytes that are not UTF-8: still a 404 in JSON.
    HttpResponse<String> notUtf8 = send("GET", "/services/%FF%FE", null);
    assertThat(notUtf8.statusCode()).isEqualTo(404);
    assertThat(error(notUtf8)).startsWith("no service");
  }

  @Test
  void otherPathsUnderServicesGet404WithJson() throws Exception {
    for (String path : List.of("/services/", "/services/echo/methods", "/services//echo", "/servicesX")) {
      HttpResponse<String> r = send("GET", path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(error(r)).contains("expected: GET /services or GET /services/{name}");
    }
  }

  @Test
  void otherMethodsOnServicesGet405WithJson() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      for (String path : List.of("/services", "/services/echo")) {
        HttpResponse<String> r = send(method, path, "x=1");
        assertThat(r.statusCode()).as(method + " " + path).isEqualTo(405);
        assertThat(error(r)).isEqualTo("method " + method + " on " + path + " (expected: GET)");
      }
    }
  }

  @Test
  void aMemberAddressThatDoesNotParseGets400WithJson() throws Exception {
    // Pekko Management alone answers 500 and logs the exception at ERROR.
    for (String address : List.of("nonsense", "%25%25%25", "pekko%3A%2F%2F", "%00")) {
      HttpResponse<String> r = send("POST", "/cluster/members", "address=" + address);
      assertThat(r.statusCode()).as(address).isEqualTo(400);
      assertThat(error(r)).contains("expected: a member address, pekko://system@host:port");
    }
  }

  @Test
  void pekkoManagementAnswersItsOwnRoutesLikeThis() throws Exception {
    // Unknown members and shard regions: 404 with {"message": ...}.
    for (String method : List.of("GET", "PUT", "DELETE")) {
      HttpResponse<String> r = send(method, "/cluster/members/no%20such%20member", "operation=Leave");
      assertThat(r.statusCode()).as(method).isEqualTo(404);
      assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("Member [no such member] not found");
    }
    HttpResponse<String> shard = send("GET", "/cluster/shards/nonsense", null);
    assertThat(shard.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(shard.body()).get("message").asText()).contains("nonsense");
    // Form errors: 400 in plain text.
    HttpResponse<String> noAddress = send("POST", "/cluster/members", "");
    assertThat(noAddress.statusCode()).isEqualTo(400);
    assertThat(noAddress.body()).contains("missing required form field 'address'");
    HttpResponse<String> badForm = send("POST", "/cluster/members", "address=%%%");
    assertThat(badForm.statusCode()).isEqualTo(400);
    assertThat(badForm.body()).contains("form field 'address' was malformed");
    // A URI above Pekko HTTP's max-uri-length (2048): 414 in plain text, before any route.
    assertThat(send("GET", "/services/" + "x".repeat(3000), null).statusCode()).isEqualTo(414);
  }

  private HttpResponse<String> send(String method, String path, String form) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + path))
            .timeout(Duration.ofSeconds(10))
            .header(
                "Authorization",
                "Basic "
                    + java.util.Base64.getEncoder()
                        .encodeToString("ops:fuzz-the-management-api".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    if (form == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(form));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The {@code error} of a JSON problem body (the content type must say JSON). */
  private static String error(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.has("error")).as(r.body()).isTrue();
    return body.get("error").asText();
  }
}
