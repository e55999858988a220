package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.client.MeshCallException;
import io.meshwork.client.MeshClient;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.services.v1.InfoRequest;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Java client against real nodes: the two halves of the protocol meet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientEndToEndTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode host;
  private MeshNode router;

  @BeforeAll
  void startCluster() {
    host = nodes.start("echo,info,silent,kv", null);
    router = nodes.start("none", host);
    TestNodes.awaitUp(host, router);
  }

  @AfterAll
  void stopCluster() {
    nodes.close();
  }

  @Test
  void tenThousandPipelinedCallsThroughARouterNodeAllComeBack() throws Exception {
    InetSocketAddress address = TestNodes.endpoint(router);
    try (MeshClient client = MeshClient.connect(address.getHostString(), address.getPort())) {
      awaitRoutable(client);
      List<CompletableFuture<Reply>> calls = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        calls.add(client.call("echo", "", ByteString.copyFromUtf8("m" + i)));
      }
      for (int i = 0; i < calls.size(); i++) {
        Reply reply = calls.get(i).get(30, TimeUnit.SECONDS);
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("m" + i);
      }
    }
  }

  /** README "### kv", the Java example, through the router node. */
  @Test
  void theReadmeKvExample() throws Exception {
    InetSocketAddress address = TestNodes.endpoint(router);
    try (MeshClient client = MeshClient.connect(address.getHostString(), address.getPort())) {
      awaitRoutable(client);
      client.call("kv", "put",
          KvPutRequest.newBuilder().setKey("user/42").setValue(ByteString.copyFromUtf8("Ada")).build(),
          KvPutReply.parser()).get();
      KvGetReply got = client.call("kv", "get",
          KvGetRequest.newBuilder().setKey("user/42").setConsistency(Consistency.MAJORITY).build(),
          KvGetReply.parser()).get();
      assertThat(got.getFound()).isTrue();
      assertThat(got.getValue().toStringUtf8()).isEqualTo("Ada");
    }
  }

  @Test
  void typedCallsDecodeTheReplyAndFailWithTheStatus() throws Exception {
    InetSocketAddress address = TestNodes.endpoint(router);
    try (MeshClient client = MeshClient.connect(address.getHostString(), address.getPort())) {
      awaitRoutable(client);
      InfoReply info =
          client
              .call("info", "get", InfoRequest.getDefaultInstance(), InfoReply.parser())
              .get(10, TimeUnit.SECONDS);
      assertThat(info.getNode()).isEqualTo(host.system().address().toString());

      assertThatThrownBy(
              () ->
                  client
                      .call("info", "nope", InfoRequest.getDefaultInstance(), InfoReply.parser())
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(MeshCallException.class)
          .hasMessageStartingWith("BAD_REQUEST");
    }
  }

  @Test
  void theNodeEnforcesTheClientsDeadline() throws Exception {
    InetSocketAddress address = TestNodes.endpoint(host);
    try (MeshClient client = MeshClient.connect(address.getHostString(), address.getPort())) {
      Reply reply =
          client
              .call("silent", "", ByteString.EMPTY, Duration.ofMillis(300), Map.of("k", "v"))
              .get(10, TimeUnit.SECONDS);
      assertThat(reply.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      // The node's answer, not the client's fallback timer.
      assertThat(reply.getError()).doesNotContain("client-side");
    }
  }

  /** A router node learns about remote services by gossip; wait until it routes echo. */
  private void awaitRoutable(MeshClient client) {
    TestProbe.create(router.system())
        .awaitAssert(
            Duration.ofSeconds(15),
            () -> {
              Reply first =
                  client.call("echo", "", ByteString.copyFromUtf8("warm-up")).get(10, TimeUnit.SECONDS);
              assertThat(first.getStatus()).as(first.getError()).isEqualTo(Status.OK);
              return null;
            });
  }
}
