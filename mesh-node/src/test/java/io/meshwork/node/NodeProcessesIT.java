package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real {@code mesh-node.jar} in two JVMs, configured only by MESH_* variables: the cluster
 * forms through MESH_SEED_NODES and calls entering the node that hosts nothing reach the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeProcessesIT {
  private NodeProcess host;
  private NodeProcess router;

  @BeforeAll
  void startProcesses() {
    host = NodeProcess.start("host", Map.of("MESH_SERVICES", "echo,info"));
    router =
        NodeProcess.start(
            "router", Map.of("MESH_SERVICES", "none", "MESH_SEED_NODES", "127.0.0.1:" + host.clusterPort));
    host.awaitReady(Duration.ofSeconds(60));
    router.awaitReady(Duration.ofSeconds(60));
  }

  @AfterAll
  void stopProcesses() {
    if (router != null) {
      router.close();
    }
    if (host != null) {
      host.close();
    }
  }

  @Test
  @Order(1)
  void theClusterFormsThroughSeedNodes() {
    Poll.until(
        Duration.ofSeconds(20),
        "two members Up in " + router.httpGet("/cluster/members"),
        () -> router.httpGet("/cluster/members").split("\"status\":\"Up\"", -1).length - 1 == 2);
  }

  @Test
  @Order(2)
  void callsThroughTheNodeThatHostsNothingReachTheOtherProcess() throws Exception {
    try (WireConnection conn = new WireConnection(router.endpoint())) {
      Poll.until(
          Duration.ofSeconds(20),
          "echo routable from the router node",
          () -> conn.call(echo(1, ByteString.copyFromUtf8("ping"))).getStatus() == Status.OK);
      for (int id = 2; id <= 500; id++) {
        Reply reply = conn.call(echo(id, ByteString.copyFromUtf8("hello " + id)));
        assertThat(reply.getId()).isEqualTo(id);
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("hello " + id);
      }
      Reply info = conn.call(Request.newBuilder().setId(1000).setService("info").build());
      assertThat(info.getStatus()).isEqualTo(Status.OK);
      InfoReply served = InfoReply.parseFrom(info.getPayload());
      assertThat(served.getNode()).isEqualTo("pekko://meshwork@" + host.clusterAddress());
      assertThat(served.getClientEndpoint()).isEqualTo("127.0.0.1:" + host.port);
      assertThat(served.getHostedServicesList()).containsExactly("echo", "info");
    }
  }

  @Test
  @Order(3)
  void sigtermLeavesTheClusterAndExitsCleanly() {
    int exit = router.terminate(Duration.ofSeconds(30));
    // 143 = 128 + SIGTERM: the JVM's exit status after a signal once shutdown hooks have run.
    assertThat(exit).as("exit code after SIGTERM").isEqualTo(143);
    assertThat(router.logText())
        .contains("Running CoordinatedShutdown")
        .contains("as [Leaving]")
        .contains("Exiting completed");
    Poll.until(
        Duration.ofSeconds(20),
        "router removed from the host's membership",
        () -> host.httpGet("/cluster/members").split("\"status\":\"Up\"", -1).length - 1 == 1);
  }
}
