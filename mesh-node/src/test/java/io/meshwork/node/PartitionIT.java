package io.meshwork.node;

import static io.meshwork.node.testing.Kv.ok;
import static io.meshwork.protocol.services.v1.Consistency.ALL;
import static io.meshwork.protocol.services.v1.Consistency.MAJORITY;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.Kv;
import io.meshwork.node.testing.Netns;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A network partition between hosts: three nodes in three network namespaces, one cut off from
 * the other two. The majority keeps serving (and keeps every kv value acknowledged by a majority),
 * the minority downs itself, and after healing the restarted node rejoins and sees everything.
 * Needs root for {@code ip netns}; skipped with the reason otherwise.
 */
class PartitionIT {
  private static final List<String> JVM = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=5s");
  private final List<NodeProcess> started = new ArrayList<>();
  private Netns net;
  private long id;

  @AfterEach
  void tearDown() {
    started.forEach(NodeProcess::close);
    if (net != null) {
      net.close();
    }
  }

  private NodeProcess start(String name, int host, NodeProcess seed) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MESH_SERVICES", "kv,echo");
    // The test calls the hosts from the bridge's address, not loopback; the hosts run without
    // client authentication, so protected mode must be off (as on any trusted private network).
    env.put("MESH_PROTECTED_MODE", "off");
    if (seed != null) {
      env.put("MESH_SEED_NODES", seed.clusterAddress());
    }
    NodeProcess node = NodeProcess.start(name, env, JVM, net.exec(host), net.address(host));
    started.add(node);
    return node;
  }

  private void putAll(NodeProcess node, String prefix, int count) {
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      for (int i = 0; i < count; i++) {
        conn.write(Kv.put(++id, prefix + "-" + i, "value-of-" + prefix + "-" + i, MAJORITY));
      }
      conn.flush();
      for (int i = 0; i < count; i++) {
        ok(conn.read(), KvPutReply.parser());
      }
    }
  }

  private List<String> missing(NodeProcess node, Map<String, Integer> written) {
    List<String> wrong = new ArrayList<>();
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      for (Map.Entry<String, Integer> e : written.entrySet()) {
        for (int i = 0; i < e.getValue(); i++) {
          String key = e.getKey() + "-" + i;
          KvGetReply got = ok(conn.call(Kv.get(++id, key, MAJORITY)), KvGetReply.parser());
          if (!got.getFound() || !got.getValue().toStringUtf8().equals("value-of-" + key)) {
            wrong.add(key);
          }
        }
      }
    }
    return wrong;
  }

  @Test
  void theMajoritySideServesTheMinorityDownsItselfAndARestartedNodeRejoins() {
    String why = Netns.unavailableReason();
    Assumptions.assumeTrue(why == null, () -> "PartitionIT skipped: " + why);
    net = Netns.create(3);
    NodeProcess a = start("part-a", 1, null);
    NodeProcess b = start("part-b", 2, a);
    NodeProcess c = start("part-c", 3, a);
    for (NodeProcess n : List.of(a, b, c)) {
      n.awaitReady(Duration.ofSeconds(90));
    }
    try (WireConnection conn = new WireConnection(a.endpoint())) {
      Poll.until(
          Duration.ofSeconds(30),
          "an ALL write (every kv replicator knows the others)",
          () -> conn.call(Kv.put(++id, "warm-up", "1", ALL)).getStatus() == Status.OK);
    }
    Map<String, Integer> written = new LinkedHashMap<>();
    for (NodeProcess n : List.of(a, b, c)) {
      String prefix = "before-" + n.clusterAddress().replace(':', '_');
      putAll(n, prefix, 100);
      written.put(prefix, 100);
    }

    net.cut(3);
    long cut = System.nanoTime();
    // The minority cannot get a majority: its MAJORITY writes fail, clearly, within the deadline.
    try (WireConnection conn = new WireConnection(c.endpoint())) {
      Reply minority = conn.call(Kv.put(++id, "minority-write", "x", MAJORITY).toBuilder().setDeadlineMs(3_000).build());
      assertThat(minority.getStatus()).isIn(Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED);
    }
    // The majority side keeps serving reads and writes.
    putAll(a, "during", 50);
    written.put("during", 50);
    assertThat(missing(b, written)).isEmpty();

    // The Split Brain Resolver (keep-majority): the majority downs c, c downs itself and exits.
    Poll.until(
        Duration.ofSeconds(60),
        "c removed from a's membership",
        () -> !a.httpGet("/cluster/members").contains(c.clusterAddress()));
    Poll.until(Duration.ofSeconds(60), "c's process exits", () -> !c.isAlive());
    System.out.printf(
        "PartitionIT: c was removed by the majority and exited %d ms after the cut%n",
        (System.nanoTime() - cut) / 1_000_000);

    net.heal(3);
    NodeProcess again = start("part-c-again", 3, a);
    again.awaitReady(Duration.ofSeconds(90));
    Poll.until(Duration.ofSeconds(30), "three members Up", () -> a.upMembers() == 3);
    // No value acknowledged by a majority is lost, read through the node that was cut off.
    assertThat(missing(again, written)).isEmpty();
  }
}
