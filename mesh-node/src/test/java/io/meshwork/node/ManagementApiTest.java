package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.testing.TestNodes;
import java.net.URI;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.util.Base64;
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

  @Test
  void aServicesContractIsPublishedAndEnoughToCallItWithoutGeneratedCode() throws Exception {
    // Asked on node C, which hosts nothing: the contract comes from its catalogue of known services.
    TestProbe<Object> probe = TestProbe.create(c.system());
    JsonNode body =
        probe.awaitAssert(
            Duration.ofSeconds(15),
            () -> {
              JsonNode info = getJson(c, "/services/info");
              assertThat(info.get("instances")).hasSize(1);
              return info;
            });
    assertThat(body.get("name").asText()).isEqualTo("info");
    assertThat(body.get("instances").get(0).get("node").asText())
        .isEqualTo(b.system().address().toString());
    JsonNode contract = body.get("contract");
    assertThat(contract.get("anyMethod").asBoolean()).isFalse();
    assertThat(contract.get("methods")).hasSize(1);
    JsonNode get = contract.get("methods").get(0);
    assertThat(get.get("name").asText()).isEqualTo("get");
    assertThat(get.get("requestType").asText()).isEqualTo("meshwork.services.v1.InfoRequest");
    assertThat(get.get("replyType").asText()).isEqualTo("meshwork.services.v1.InfoReply");

    // Rebuild the types from the published files alone, as a tool without Meshwork's classes would.
    DescriptorProtos.FileDescriptorSet files =
        DescriptorProtos.FileDescriptorSet.parseFrom(
            Base64.getDecoder().decode(contract.get("fileDescriptorSet").asText()));
    Map<String, Descriptors.FileDescriptor> built = new java.util.HashMap<>();
    Descriptors.Descriptor request = null;
    Descriptors.Descriptor reply = null;
    for (DescriptorProtos.FileDescriptorProto file : files.getFileList()) {
      List<Descriptors.FileDescriptor> deps = new ArrayList<>();
      for (String dep : file.getDependencyList()) {
        assertThat(built).as("imports come first").containsKey(dep);
        deps.add(built.get(dep));
      }
      Descriptors.FileDescriptor fd =
          Descriptors.FileDescriptor.buildFrom(file, deps.toArray(new Descriptors.FileDescriptor[0]));
      built.put(file.getName(), fd);
      for (Descriptors.Descriptor type : fd.getMessageTypes()) {
        if (type.getFullName().equals(get.get("requestType").asText())) {
          request = type;
        }
        if (type.getFullName().equals(get.get("replyType").asText())) {
          reply = type;
        }
      }
    }
    assertThat(request).isNotNull();
    assertThat(reply).isNotNull();
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(c))) {
      Reply answer =
          conn.call(
              Request.newBuilder()
                  .setId(1)
                  .setService("info")
                  .setMethod("get")
                  .setPayload(DynamicMessage.newBuilder(request).build().toByteString())
                  .build());
      assertThat(answer.getStatus()).isEqualTo(Status.OK);
      DynamicMessage decoded = DynamicMessage.parseFrom(reply, answer.getPayload());
      assertThat(decoded.getField(reply.findFieldByName("node")))
          .isEqualTo(b.system().address().toString());
    }
  }

  @Test
  void aRawServicesContractSaysSoAndAnUnknownServiceIsA404WithAReason() throws Exception {
    JsonNode echo = getJson(c, "/services/echo").get("contract");
    assertThat(echo.get("anyMethod").asBoolean()).isTrue();
    assertThat(echo.get("methods")).isEmpty();

    HttpResponse<String> missing =
        http.send(
            HttpRequest.newBuilder(uri(c, "/services/no-such-service")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).get("error").asText())
        .contains("no service \"no-such-service\"");
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
