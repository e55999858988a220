package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Netns;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Protected mode on real sockets: a node with client authentication off serves a client that
 * connects from an address other than loopback only when protected mode is turned off, and says
 * why otherwise; with authentication on it serves it. The non-loopback address is the bridge of a
 * network namespace set made for the test (needs root; skipped, loudly, otherwise).
 */
class ProtectedModeTest {
  private static final String TOKEN = "protected-mode-test-token";

  private final TestNodes nodes = new TestNodes();
  private Netns net;

  @BeforeEach
  void setUp() {
    String why = Netns.unavailableReason();
    if (why != null) {
      System.err.println("SKIPPED ProtectedModeTest: " + why);
    }
    Assumptions.assumeTrue(why == null, () -> "ProtectedModeTest skipped: " + why);
    net = Netns.create(1);
  }

  @AfterEach
  void tearDown() {
    nodes.close();
    if (net != null) {
      net.close();
    }
  }

  private InetSocketAddress startOnBridge(Map<String, Object> extra) {
    Map<String, Object> conf = new HashMap<>(extra);
    conf.put("meshwork.host", net.bridgeAddress());
    MeshNode node = nodes.start("echo", null, conf);
    TestNodes.awaitUp(node);
    return new InetSocketAddress(net.bridgeAddress(), TestNodes.endpoint(node).getPort());
  }

  private static Reply echoFrom(InetSocketAddress node, Map<String, String> headers) {
    try (WireConnection conn = new WireConnection(node)) {
      return conn.call(echo(7, ByteString.copyFromUtf8("hi")).toBuilder().putAllHeaders(headers).build());
    }
  }

  @Test
  void withAuthenticationOffOnlyLoopbackIsServedAndAnyoneElseIsToldWhy() {
    InetSocketAddress node = startOnBridge(Map.of());
    try (WireConnection conn = new WireConnection(node)) {
      Reply refused = conn.read();
      assertThat(refused.getId()).isZero();
      assertThat(refused.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
      assertThat(refused.getError())
          .startsWith("protected mode: this node has client authentication off")
          .contains("meshwork.endpoint.protected-mode = off");
      assertThat(conn.closedByNode()).isTrue();
    }
    System.out.println("ProtectedModeTest ran: a client from " + net.bridgeAddress() + " was refused");
  }

  @Test
  void protectedModeOffServesEveryAddress() {
    InetSocketAddress node = startOnBridge(Map.of("meshwork.endpoint.protected-mode", "off"));
    Reply reply = echoFrom(node, Map.of());
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
  }

  @Test
  void withAuthenticationOnEveryAddressMayConnectAndTheTokenDecides() throws Exception {
    String sha256 =
        java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    InetSocketAddress node =
        startOnBridge(
            Map.of(
                "meshwork.auth.enabled", "on",
                "meshwork.auth.clients.ops.token-sha256", sha256,
                "meshwork.auth.clients.ops.allow", List.of("echo")));
    assertThat(echoFrom(node, Map.of("authorization", "Bearer " + TOKEN)).getStatus())
        .isEqualTo(Status.OK);
    assertThat(echoFrom(node, Map.of()).getStatus()).isEqualTo(Status.UNAUTHENTICATED);
  }
}
