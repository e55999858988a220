package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.services.v1.InfoRequest;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client of two {@code mesh-node.jar} processes: {@code kill -9} of one fails its calls in
 * flight at once, new calls go to the other, and the client reconnects when the node is back.
 */
class ClientFailoverIT {
  private final List<NodeProcess> started = new ArrayList<>();

  @AfterEach
  void stopAll() {
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, Map<String, String> env) {
    NodeProcess node = NodeProcess.start(name, env);
    started.add(node);
    return node;
  }

  @Test
  void killDashNineOfANodeFailsItsCallsAtOnceAndTheClientCarriesOn() throws Exception {
    NodeProcess n1 = start("client-1", Map.of("MESH_SERVICES", "echo,hash,info"));
    NodeProcess n2 =
        start("client-2", Map.of("MESH_SERVICES", "echo,hash,info", "MESH_SEED_NODES", n1.clusterAddress()));
    // A third member, hosting nothing, so that node 2 keeps the majority when node 1 dies (the
    // Split Brain Resolver would otherwise down one side of a one-to-one split).
    NodeProcess n3 = start("client-3", Map.of("MESH_SERVICES", "none", "MESH_SEED_NODES", n1.clusterAddress()));
    n1.awaitReady(Duration.ofSeconds(60));
    n2.awaitReady(Duration.ofSeconds(60));
    n3.awaitReady(Duration.ofSeconds(60));
    InetSocketAddress first = n1.endpoint();
    MeshClientOptions options =
        MeshClientOptions.builder().reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
    try (MeshClient client = MeshClient.connect(List.of(first, n2.endpoint()), options)) {
      // Slow calls (PBKDF2 with many iterations, four at a time per node): many still in flight
      // on each node when node 1 dies. Each node serves the calls it receives (local-first).
      List<CompletableFuture<Reply>> slow = new ArrayList<>();
      // When each UNAVAILABLE answer came (System.nanoTime()).
      java.util.Queue<Long> unavailableAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int i = 0; i < 40; i++) {
        Pbkdf2Request request =
            Pbkdf2Request.newBuilder()
                .setPassword(ByteString.copyFromUtf8("password " + i))
                .setSalt(ByteString.copyFromUtf8("salt-salt-salt"))
                .setIterations(400_000)
                .build();
        CompletableFuture<Reply> call =
            client.call("hash", "pbkdf2", request.toByteString(), Duration.ofMinutes(2), Map.of());
        call.thenAccept(r -> {
          if (r.getStatus() == Status.UNAVAILABLE) {
            unavailableAt.add(System.nanoTime());
          }
        });
        slow.add(call);
      }
      long killed = System.nanoTime();
      n1.kill();
      int unavailable = 0;
      for (CompletableFuture<Reply> call : slow.subList(0, 40)) {
        // Node 1's calls end when its connection does; node 2's when they are computed.
        Reply reply = call.get(2, TimeUnit.MINUTES);
        if (reply.getStatus() == Status.UNAVAILABLE) {
          unavailable++;
          assertThat(reply.getError()).startsWith("connection to 127.0.0.1:" + first.getPort() + " closed: ");
        } else {
          assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
        }
      }
      // Every other call went to node 1; most were still waiting there.
      assertThat(unavailable).isBetween(10, 20);
      long lastFailure = unavailableAt.stream().mapToLong(t -> t - killed).max().orElse(0);
      System.out.printf(
          "ClientFailoverIT: %d calls in flight on the killed node failed UNAVAILABLE, the last %d ms after kill -9%n",
          unavailable, TimeUnit.NANOSECONDS.toMillis(lastFailure));
      // Failed by the lost connection, not by their two-minute deadline.
      assertThat(Duration.ofNanos(lastFailure)).isLessThan(Duration.ofSeconds(10));

      // New calls all reach node 2.
      for (int i = 0; i < 200; i++) {
        Reply reply = client.call("echo", "", ByteString.copyFromUtf8("after " + i)).get(10, TimeUnit.SECONDS);
        assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
      }

      // Node 1 comes back on the same client port: the client reconnects and uses it again.
      NodeProcess back =
          start(
              "client-1-again",
              Map.of(
                  "MESH_SERVICES", "echo,hash,info",
                  "MESH_SEED_NODES", n2.clusterAddress(),
                  "MESH_PORT", Integer.toString(first.getPort())));
      back.awaitReady(Duration.ofSeconds(60));
      String backAddress = "pekko://meshwork@" + back.clusterAddress();
      Poll.until(
          Duration.ofSeconds(20),
          "an info call answered by the restarted node",
          () ->
              backAddress.equals(
                  client.call("info", "get", InfoRequest.getDefaultInstance(), InfoReply.parser()).join().getNode()));
    }
  }
}
