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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The management HTTP API of a three-node cluster, over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;
  private MeshNode c;

  @BeforeAll
  void startCluster() {
    a = nodes.start("echo", null);
    b = nodes.start("info", a);
    c = nodes.start("none", a);
    TestNodes.awaitUp(a, b, c);
  }

  @AfterAll
  void stopCluster() {
    nodes.close();
  }

  @Test
  void clusterMembersShowsThreeMembersUp() {
    TestProbe<Object> probe = TestProbe.create(c.system());
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          JsonNode members = getJson(c, "/cluster/members");
          assertThat(members.get("selfNode").asText()).isEqualTo(c.system().address().toString());
          List<String> statuses = new ArrayList<>();
          members.get("members").forEach(m -> statuses.add(m.get("status").asText()));
          assertThat(statuses).containsExactly("Up", "Up", "Up");
          return null;
        });
  }

  @Test
  void servicesListsEveryServiceWithTheNodesThatHostIt() throws Exception {
    TestProbe<Object> probe = TestProbe.create(c.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          JsonNode body = getJson(c, "/services");
          assertThat(body.get("selfNode").asText()).isEqualTo(c.system().address().toString());
          Map<String, JsonNode> byName = new java.util.HashMap<>();
          body.get("services").forEach(s -> byName.put(s.get("name").asText(), s));
          assertThat(byName).containsOnlyKeys("echo", "info");
          JsonNode echo = byName.get("echo").get("instances");
          assertThat(echo).hasSize(1);
          assertThat(echo.get(0).get("node").asText()).isEqualTo(a.system().address().toString());
          assertThat(echo.get(0).get("local").asBoolean()).isFalse();
          assertThat(echo.get(0).get("reachable").asBoolean()).isTrue();
          JsonNode info = byName.get("info").get("instances");
          assertThat(info.get(0).get("node").asText()).isEqualTo(b.system().address().toString());
          return null;
        });
    // On the hosting node the same instance is local.
    JsonNode onA = getJson(a, "/services");
    assertThat(onA.get("services").get(0).get("instances").get(0).get("local").asBoolean())
        .isTrue();
  }

  @Test
  void mutatingClusterRoutesAreOffByDefault() throws Exception {
    HttpRequest leave =
        HttpRequest.newBuilder(uri(c, "/cluster/members/" + a.system().address()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .PUT(HttpRequest.BodyPublishers.ofString("operation=Leave"))
            .build();
    HttpResponse<String> response = http.send(leave, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(405);
  }

  @Test
  void readyTurns200OnlyOnceTheNodeIsUp() throws Exception {
    // A node whose only seed does not exist never joins: alive, but not ready.
    MeshNode lonely =
        nodes.start("none", null, Map.of("meshwork.seed-nodes", "127.0.0.1:1"));
    TestNodes.endpoint(lonely);
    TestProbe<Object> probe = TestProbe.create(lonely.system());
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertThat(status(lonely, "/alive")).isEqualTo(200);
          return null;
        });
    // Pekko Management answers a failed health check with 500 "Not Healthy".
    assertThat(status(lonely, "/ready")).isEqualTo(500);

    // Once it joins the cluster and is Up, it is ready.
    Cluster.get(lonely.system()).manager().tell(Join.create(Cluster.get(a.system()).selfMember().address()));
    probe.awaitAssert(
        Duration.ofSeconds(20),
        () -> {
          assertThat(status(lonely, "/ready")).isEqualTo(200);
          return null;
        });
    nodes.stop(lonely);
  }

  private JsonNode getJson(MeshNode node, String path) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri(node, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    return JSON.readTree(response.body());
  }

  private int status(MeshNode node, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(node, path)).GET().build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static URI uri(MeshNode node, String path) {
    return URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + path);
  }
}
