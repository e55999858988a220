package io.meshwork.node;

import static io.meshwork.node.testing.Kv.ok;
import static io.meshwork.protocol.services.v1.Consistency.ALL;
import static io.meshwork.protocol.services.v1.Consistency.LOCAL;
import static io.meshwork.protocol.services.v1.Consistency.MAJORITY;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.Kv;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * kv on three {@code mesh-node.jar} processes: values acknowledged with MAJORITY survive {@code
 * kill -9} of any one node, and with a durable store they survive {@code kill -9} of every node.
 */
class KvProcessesIT {
  // Unreachable nodes are downed 2 s after the membership settles, so a restarted node can join
  // soon; the default (20 s) only makes the test slower.
  private static final List<String> JVM = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=2s");
  private final List<NodeProcess> started = new ArrayList<>();
  private long id;

  @AfterEach
  void stopAll() {
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, NodeProcess seed, Map<String, String> env) {
    Map<String, String> all = new LinkedHashMap<>(env);
    all.put("MESH_SERVICES", "kv");
    if (seed != null) {
      all.put("MESH_SEED_NODES", seed.clusterAddress());
    }
    NodeProcess node = NodeProcess.start(name, all, JVM);
    started.add(node);
    return node;
  }

  private static void awaitReady(NodeProcess... nodes) {
    for (NodeProcess node : nodes) {
      node.awaitReady(Duration.ofSeconds(60));
    }
  }

  /** Puts count keys "prefix-i" = "value-of-prefix-i" through node, pipelined, and awaits every ack. */
  private void putAll(NodeProcess node, String prefix, int count) {
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      for (int i = 0; i < count; i++) {
        String key = prefix + "-" + i;
        conn.write(Kv.put(++id, key, "value-of-" + key, MAJORITY));
      }
      conn.flush();
      for (int i = 0; i < count; i++) {
        ok(conn.read(), KvPutReply.parser());
      }
    }
  }

  /** Reads every key through node at the given consistency; returns the keys whose value is wrong. */
  private List<String> missing(NodeProcess node, Map<String, Integer> prefixes, Consistency consistency) {
    List<String> wrong = new ArrayList<>();
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      List<String> keys = new ArrayList<>();
      prefixes.forEach((prefix, count) -> {
        for (int i = 0; i < count; i++) {
          keys.add(prefix + "-" + i);
        }
      });
      long first = id + 1;
      for (String key : keys) {
        conn.write(Kv.get(++id, key, consistency));
      }
      conn.flush();
      for (int i = 0; i < keys.size(); i++) {
        Reply reply = conn.read();
        String key = keys.get((int) (reply.getId() - first));
        KvGetReply get = ok(reply, KvGetReply.parser());
        if (!get.getFound() || !get.getValue().toStringUtf8().equals("value-of-" + key)) {
          wrong.add(key);
        }
      }
    }
    return wrong;
  }

  private void awaitAllWrite(NodeProcess node) {
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      Poll.until(
          Duration.ofSeconds(30),
          "an ALL write through " + node.clusterAddress() + " (every kv replicator knows the others)",
          () -> conn.call(Kv.put(++id, "warm-up", "1", ALL)).getStatus() == Status.OK);
    }
  }

  @Test
  void majorityWritesSurviveKillDashNineOfAnyOneNode() {
    NodeProcess n1 = start("kv-1", null, Map.of());
    NodeProcess n2 = start("kv-2", n1, Map.of());
    NodeProcess n3 = start("kv-3", n1, Map.of());
    awaitReady(n1, n2, n3);
    awaitAllWrite(n1);

    // 100 keys acknowledged by a majority through each node.
    putAll(n1, "via-1", 100);
    putAll(n2, "via-2", 100);
    putAll(n3, "via-3", 100);
    Map<String, Integer> written = new LinkedHashMap<>(Map.of("via-1", 100, "via-2", 100, "via-3", 100));

    n2.kill();
    assertThat(missing(n1, written, MAJORITY)).isEmpty();
    assertThat(missing(n3, written, MAJORITY)).isEmpty();

    // ALL cannot be met with a node gone: a clear UNAVAILABLE within the deadline, not a hang.
    try (WireConnection conn = new WireConnection(n1.endpoint())) {
      Reply all = conn.call(Kv.put(++id, "needs-all", "x", ALL).toBuilder().setDeadlineMs(2_000).build());
      assertThat(all.getStatus()).isEqualTo(Status.UNAVAILABLE);
      assertThat(all.getError()).contains("ALL of the kv nodes did not confirm it");
    }
    // A majority is still there: writes go on.
    putAll(n3, "while-2-down", 50);
    written.put("while-2-down", 50);

    // kv-2 comes back as a new process (memory only: it starts empty) and joins once the old
    // incarnation is downed; majority reads through it see everything.
    NodeProcess n2again = start("kv-2-again", n1, Map.of());
    awaitReady(n2again);
    assertThat(missing(n2again, written, MAJORITY)).isEmpty();

    // Now lose the oldest node, the seed: kv-2-again and kv-3 still hold every acknowledged value.
    n1.kill();
    assertThat(missing(n3, written, MAJORITY)).isEmpty();
    assertThat(missing(n2again, written, MAJORITY)).isEmpty();
  }

  @Test
  void aDurableStoreBringsEverythingBackAfterEveryNodeIsKilled() throws IOException {
    Path root = Files.createDirectories(Path.of("target", "kv-durable-it"));
    List<Map<String, String>> envs = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Path dir = root.resolve("node-" + i);
      deleteRecursively(dir);
      envs.add(Map.of("MESH_KV_DIR", dir.toString()));
    }
    NodeProcess n1 = start("kv-durable-1", null, envs.get(0));
    NodeProcess n2 = start("kv-durable-2", n1, envs.get(1));
    NodeProcess n3 = start("kv-durable-3", n1, envs.get(2));
    awaitReady(n1, n2, n3);
    awaitAllWrite(n1);
    putAll(n1, "d1", 150);
    putAll(n2, "d2", 150);
    putAll(n3, "d3", 150);
    // A deleted key stays deleted after the restart.
    try (WireConnection conn = new WireConnection(n2.endpoint())) {
      assertThat(conn.call(Kv.delete(++id, "d1-0", ALL)).getStatus()).isEqualTo(Status.OK);
    }
    // Wait until every replica holds everything (a majority acknowledged each write; the third
    // replica gets it by gossip), so that each node's own disk has it all.
    Map<String, Integer> all = Map.of("d1", 150, "d2", 150, "d3", 150);
    for (NodeProcess node : List.of(n1, n2, n3)) {
      Poll.until(
          Duration.ofSeconds(20),
          node.clusterAddress() + "'s replica holds every value",
          () -> missing(node, all, LOCAL).equals(List.of("d1-0")));
    }

    n1.kill();
    n2.kill();
    n3.kill();

    NodeProcess r1 = start("kv-durable-1-again", null, envs.get(0));
    NodeProcess r2 = start("kv-durable-2-again", r1, envs.get(1));
    NodeProcess r3 = start("kv-durable-3-again", r1, envs.get(2));
    awaitReady(r1, r2, r3);
    // LOCAL reads: each node's own disk, not the other nodes, has the data; only the deleted
    // key is missing.
    for (NodeProcess node : List.of(r1, r2, r3)) {
      assertThat(missing(node, all, LOCAL)).as(node.clusterAddress()).containsExactly("d1-0");
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
