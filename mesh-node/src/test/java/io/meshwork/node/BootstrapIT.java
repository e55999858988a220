package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three {@code mesh-node.jar} processes with no seed list find each other through Cluster
 * Bootstrap and config discovery ({@code MESH_DISCOVERY=config}, the three management endpoints
 * chosen in advance) and form one cluster, not three. Node a hosts info, b hosts echo, c nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapIT {
  private static final Pattern MEMBER = Pattern.compile("\"node\":\"(pekko://[^\"]+)\"");
  private final List<NodeProcess> nodes = new ArrayList<>();
  private NodeProcess a;
  private NodeProcess b;
  private NodeProcess c;

  @BeforeAll
  void startThreeNodesWithoutSeeds() {
    int[] management = {TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort()};
    String endpoints =
        "127.0.0.1:" + management[0] + ",127.0.0.1:" + management[1] + ",127.0.0.1:" + management[2];
    // a and b get the endpoints as a system property, c as MESH_DISCOVERY_ENDPOINTS.
    List<String> jvm = List.of("-Dmeshwork.discovery.endpoints=" + endpoints);
    a = start("bootstrap-a", "info", management[0], Map.of(), jvm);
    b = start("bootstrap-b", "echo", management[1], Map.of(), jvm);
    c = start("bootstrap-c", "none", management[2], Map.of("MESH_DISCOVERY_ENDPOINTS", endpoints), List.of());
    for (NodeProcess node : nodes) {
      node.awaitReady(Duration.ofSeconds(90));
    }
  }

  private NodeProcess start(
      String name, String services, int managementPort, Map<String, String> extra, List<String> jvm) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("MESH_SERVICES", services);
    env.put("MESH_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("MESH_DISCOVERY", "config");
    env.put("MESH_DISCOVERY_SERVICE_NAME", "meshwork-bootstrap-it");
    env.put("MESH_DISCOVERY_REQUIRED_CONTACT_POINTS", "3");
    NodeProcess node = NodeProcess.start(name, env, jvm);
    nodes.add(node);
    assertThat(node.managementPort).isEqualTo(managementPort);
    return node;
  }

  @AfterAll
  void stopAll() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  @Test
  @Order(1)
  void theThreeFormOneClusterOfThreeUpMembers() {
    Set<String> expected = new TreeSet<>();
    for (NodeProcess node : nodes) {
      expected.add("pekko://meshwork@" + node.clusterAddress());
    }
    for (NodeProcess node : nodes) {
      Poll.until(
          Duration.ofSeconds(30),
          "three members Up as seen by " + node.clusterAddress(),
          () -> node.upMembers() == 3);
      // The same three members everywhere: one cluster, not three clusters of one.
      assertThat(members(node)).isEqualTo(expected);
      assertThat(node.logText()).contains("Cluster Bootstrap started: discovery config");
    }
    long formers =
        nodes.stream().filter(n -> n.logText().contains("Initiating new cluster")).count();
    assertThat(formers).as("nodes that formed a new cluster").isEqualTo(1);
  }

  @Test
  @Order(2)
  void aCallThroughAnyNodeReachesAServiceOnAnother() throws Exception {
    String hostOfInfo = "pekko://meshwork@" + a.clusterAddress();
    for (NodeProcess entry : List.of(b, c)) {
      try (WireConnection conn = new WireConnection(entry.endpoint())) {
        Poll.until(
            Duration.ofSeconds(20),
            "info routable from " + entry.clusterAddress(),
            () -> conn.call(Request.newBuilder().setId(1).setService("info").build()).getStatus()
                == Status.OK);
        Reply info = conn.call(Request.newBuilder().setId(2).setService("info").build());
        assertThat(InfoReply.parseFrom(info.getPayload()).getNode()).isEqualTo(hostOfInfo);
      }
    }
    for (NodeProcess entry : List.of(a, c)) {
      try (WireConnection conn = new WireConnection(entry.endpoint())) {
        Poll.until(
            Duration.ofSeconds(20),
            "echo routable from " + entry.clusterAddress(),
            () -> conn.call(echo(1, ByteString.copyFromUtf8("ping"))).getStatus() == Status.OK);
        Reply reply = conn.call(echo(2, ByteString.copyFromUtf8("through " + entry.clusterAddress())));
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("through " + entry.clusterAddress());
      }
    }
  }

  private static Set<String> members(NodeProcess node) {
    Set<String> members = new TreeSet<>();
    Matcher m = MEMBER.matcher(node.httpGet("/cluster/members"));
    while (m.find()) {
      members.add(m.group(1));
    }
    return members;
  }
}
