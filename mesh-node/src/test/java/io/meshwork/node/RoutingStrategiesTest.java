package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The routing strategies over three nodes. A, B and C each host {@code info} (which says which
 * node served) and {@code flaky} (on C a build that never answers). Each node routes with its own
 * config: calls entering A use round-robin, B least-outstanding, C consistent hashing on the
 * header {@code key}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingStrategiesTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;
  private MeshNode c;

  private static Map<String, Object> config(String strategy, String stuckOrAnswering) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.service-classes.flaky", "io.meshwork.node.testing.Flaky$" + stuckOrAnswering);
    conf.put("meshwork.routing.services.info.strategy", strategy);
    conf.put("meshwork.routing.services.flaky.strategy", strategy);
    conf.put("meshwork.routing.services.info.hash-header", "key");
    conf.put("meshwork.routing.services.flaky.hash-header", "key");
    return conf;
  }

  @BeforeAll
  void start() {
    a = nodes.start("info,flaky", null, config("round-robin", "Answering"));
    b = nodes.start("info,flaky", a, config("least-outstanding", "Answering"));
    c = nodes.start("info,flaky", a, config("consistent-hash", "Stuck"));
    TestNodes.awaitUp(a, b, c);
    for (MeshNode node : new MeshNode[] {a, b, c}) {
      TestProbe<Object> probe = TestProbe.create(node.system());
      probe.awaitAssert(
          Duration.ofSeconds(15),
          () -> {
            var services = NodeRuntime.get(node.system()).routingTable().services();
            assertThat(services.get("info").internals().reachable()).hasSize(3);
            assertThat(services.get("flaky").internals().reachable()).hasSize(3);
            return null;
          });
    }
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static String servedBy(WireConnection conn, long id, Map<String, String> headers)
      throws Exception {
    Reply reply =
        conn.call(
            Request.newBuilder()
                .setId(id)
                .setService("info")
                .setMethod("get")
                .putAllHeaders(headers)
                .build());
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    return InfoReply.parseFrom(reply.getPayload()).getNode();
  }

  @Test
  void roundRobinSpreadsEvenlyOverAllThreeNodesIncludingTheLocalOne() throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(a))) {
      for (int i = 1; i <= 300; i++) {
        counts.merge(servedBy(conn, i, Map.of()), 1, Integer::sum);
      }
    }
    assertThat(counts).hasSize(3);
    assertThat(counts.values()).containsOnly(100);
  }

  @Test
  void consistentHashingSendsAKeyAlwaysToTheSameNodeAndSpreadsTheKeys() throws Exception {
    Map<String, String> nodeOfKey = new HashMap<>();
    Map<String, Integer> keysPerNode = new HashMap<>();
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(c))) {
      int id = 0;
      for (int k = 0; k < 300; k++) {
        String key = "user-" + k;
        String first = servedBy(conn, ++id, Map.of("key", key));
        for (int again = 0; again < 3; again++) {
          assertThat(servedBy(conn, ++id, Map.of("key", key))).as(key).isEqualTo(first);
        }
        nodeOfKey.put(key, first);
        keysPerNode.merge(first, 1, Integer::sum);
      }
      // No header, no route: a clear error rather than a random instance.
      Reply noKey = conn.call(Request.newBuilder().setId(++id).setService("info").setMethod("get").build());
      assertThat(noKey.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(noKey.getError()).contains("\"key\"");
    }
    assertThat(keysPerNode).hasSize(3);
    assertThat(keysPerNode.values()).allSatisfy(n -> assertThat(n).isGreaterThan(45)); // ≥ 15%
  }

  @Test
  void leastOutstandingStarvesAStuckInstanceWhereRoundRobinFeedsIt() throws Exception {
    int n = 300;
    // Round-robin gives the stuck instance its third; least-outstanding, once the instance holds
    // more unanswered calls than the others, only the odd tie (8 to 19 of 300 in trial runs).
    assertThat(timedOut(b, n)).as("least-outstanding via B").isLessThan(n / 6);
    assertThat(timedOut(a, n)).as("round-robin via A").isEqualTo(n / 3);
  }

  /** Pipelines n calls to flaky with a 1.5 s deadline through node; counts DEADLINE_EXCEEDED. */
  private static int timedOut(MeshNode node, int n) throws Exception {
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(node))) {
      for (int i = 1; i <= n; i++) {
        conn.write(
            Request.newBuilder().setId(i).setService("flaky").setDeadlineMs(1500).build());
        if (i % 10 == 0) {
          conn.flush();
          Thread.sleep(5); // a steady stream of calls, not one burst decided before any answer
        }
      }
      conn.flush();
      int late = 0;
      for (int i = 0; i < n; i++) {
        Reply reply = conn.read();
        if (reply.getStatus() == Status.DEADLINE_EXCEEDED) {
          late++;
        } else {
          assertThat(reply.getStatus()).isEqualTo(Status.OK);
        }
      }
      return late;
    }
  }
}
