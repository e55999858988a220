package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Services on ports of their own: node A hosts echo and info and gives each a dedicated port; node
 * B hosts nothing and gives info a dedicated port, served by A's instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DedicatedPortTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;
  private Map<String, InetSocketAddress> portsOfA;
  private Map<String, InetSocketAddress> portsOfB;

  @BeforeAll
  void start() throws Exception {
    a =
        nodes.start(
            "echo,info",
            null,
            Map.of(
                "meshwork.endpoint.service-ports.echo", 0,
                "meshwork.endpoint.service-ports.info", 0));
    b = nodes.start("none", a, Map.of("meshwork.endpoint.service-ports.info", 0));
    TestNodes.awaitUp(a, b);
    portsOfA = a.serviceEndpoints().toCompletableFuture().get(10, TimeUnit.SECONDS);
    portsOfB = b.serviceEndpoints().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static Request bare(long id, ByteString payload) {
    return Request.newBuilder().setId(id).setPayload(payload).build(); // no service, no method
  }

  @Test
  void eachServiceListensOnItsOwnPort() {
    assertThat(portsOfA).containsOnlyKeys("echo", "info");
    assertThat(portsOfA.get("echo").getPort())
        .isNotEqualTo(portsOfA.get("info").getPort())
        .isNotEqualTo(TestNodes.endpoint(a).getPort());
    assertThat(portsOfB).containsOnlyKeys("info");
  }

  @Test
  void onADedicatedPortTheServiceFieldMayBeLeftEmpty() {
    try (WireConnection c = new WireConnection(portsOfA.get("echo"))) {
      for (int id = 1; id <= 100; id++) {
        Reply reply = c.call(bare(id, ByteString.copyFromUtf8("p" + id)));
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("p" + id);
      }
      // Naming the port's own service is fine too.
      assertThat(c.call(echo(101, ByteString.copyFromUtf8("x"))).getStatus()).isEqualTo(Status.OK);
    }
  }

  @Test
  void anotherServiceOnADedicatedPortIsABadRequestAndTheConnectionGoesOn() {
    try (WireConnection c = new WireConnection(portsOfA.get("echo"))) {
      Reply wrong =
          c.call(Request.newBuilder().setId(1).setService("info").setMethod("get").build());
      assertThat(wrong.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(wrong.getError()).contains("dedicated port of echo");
      assertThat(c.call(bare(2, ByteString.copyFromUtf8("still here"))).getPayload().toStringUtf8())
          .isEqualTo("still here");
    }
  }

  @Test
  void theSharedPortStillRoutesByNameAndStillWantsAName() {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      assertThat(c.call(echo(1, ByteString.copyFromUtf8("x"))).getStatus()).isEqualTo(Status.OK);
      assertThat(c.call(bare(2, ByteString.EMPTY)).getStatus()).isEqualTo(Status.BAD_REQUEST);
    }
  }

  @Test
  void aDedicatedPortOfAServiceHostedElsewhereForwardsToIt() throws Exception {
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          try (WireConnection c = new WireConnection(portsOfB.get("info"))) {
            Reply reply = c.call(Request.newBuilder().setId(1).setMethod("get").build());
            assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
            assertThat(InfoReply.parseFrom(reply.getPayload()).getNode())
                .isEqualTo(a.system().address().toString());
          }
          return null;
        });
  }
}
