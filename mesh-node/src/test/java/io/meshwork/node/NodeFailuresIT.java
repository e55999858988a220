package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.services.v1.InfoRequest;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes failing under load, as separate {@code mesh-node.jar} processes: {@code kill -9} of a node
 * that serves forwarded calls, and a rolling restart (SIGTERM) of every node of the cluster.
 */
class NodeFailuresIT {
  private final List<NodeProcess> started = new ArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopAll() {
    pool.shutdownNow();
    started.forEach(NodeProcess::close);
  }

  private NodeProcess start(String name, Map<String, String> env, List<String> jvm) {
    NodeProcess node = NodeProcess.start(name, env, jvm);
    started.add(node);
    return node;
  }

  /** One call's outcome, and when it ended (System.nanoTime()). */
  record Outcome(Status status, String error, long endedNanos, long micros) {}

  /** Callers that each make one echo call at a time until told to stop. */
  private List<Future<?>> load(MeshClient client, int callers, Duration deadline, AtomicBoolean running, Queue<Outcome> outcomes) {
    List<Future<?>> futures = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      int caller = c;
      futures.add(
          pool.submit(
              () -> {
                long n = 0;
                while (running.get()) {
                  long start = System.nanoTime();
                  String payload = "caller " + caller + " call " + (++n);
                  Reply reply =
                      client
                          .call("echo", "", ByteString.copyFromUtf8(payload), deadline, Map.of())
                          // Never a hang: the client's own timer ends a call a second after its deadline.
                          .get(deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                  if (reply.getStatus() == Status.OK) {
                    assertThat(reply.getPayload().toStringUtf8()).isEqualTo(payload);
                  }
                  long end = System.nanoTime();
                  outcomes.add(new Outcome(reply.getStatus(), reply.getError(), end, (end - start) / 1_000));
                }
                return null;
              }));
    }
    return futures;
  }

  private static Map<Status, Integer> count(Queue<Outcome> outcomes) {
    Map<Status, Integer> counts = new EnumMap<>(Status.class);
    for (Outcome o : outcomes) {
      counts.merge(o.status(), 1, Integer::sum);
    }
    return counts;
  }

  private static String servedBy(MeshClient client) {
    return client.call("info", "get", InfoRequest.getDefaultInstance(), InfoReply.parser()).join().getNode();
  }

  @Test
  void killDashNineOfANodeUnderLoadNeverHangsACallAndTheClusterHealsAndTakesItBack() throws Exception {
    List<String> jvm = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=5s");
    // The client talks to the router, which hosts nothing: every call is forwarded to n2 or n3.
    NodeProcess router = start("fail-router", Map.of("MESH_SERVICES", "none"), jvm);
    NodeProcess n2 =
        start("fail-2", Map.of("MESH_SERVICES", "echo,info", "MESH_SEED_NODES", router.clusterAddress()), jvm);
    NodeProcess n3 =
        start("fail-3", Map.of("MESH_SERVICES", "echo,info", "MESH_SEED_NODES", router.clusterAddress()), jvm);
    for (NodeProcess n : List.of(router, n2, n3)) {
      n.awaitReady(Duration.ofSeconds(60));
    }
    try (MeshClient client = MeshClient.connect(router.endpoint(), MeshClientOptions.defaults())) {
      String n3Address = "pekko://meshwork@" + n3.clusterAddress();
      Poll.until(Duration.ofSeconds(20), "calls reach n3", () -> n3Address.equals(servedBy(client)));
      Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
      AtomicBoolean running = new AtomicBoolean(true);
      List<Future<?>> callers = load(client, 4, Duration.ofSeconds(3), running, outcomes);
      Poll.until(Duration.ofSeconds(10), "load running", () -> outcomes.size() > 1_000);

      long killed = System.nanoTime();
      n3.kill();
      // The router notices (failure detector, a few seconds), stops routing to n3, and every call
      // succeeds again: wait for 2,000 successes in a row.
      Poll.until(
          Duration.ofSeconds(30),
          "2,000 calls in a row succeed after the kill",
          () -> {
            int ok = 0;
            for (Outcome o : outcomes) {
              ok = o.endedNanos() > killed && o.status() == Status.OK ? ok + 1 : o.endedNanos() > killed ? 0 : ok;
            }
            return ok >= 2_000;
          });
      running.set(false);
      for (Future<?> caller : callers) {
        caller.get(30, TimeUnit.SECONDS);
      }
      List<Outcome> failures = outcomes.stream().filter(o -> o.status() != Status.OK).toList();
      long lastFailure = failures.stream().mapToLong(o -> o.endedNanos() - killed).max().orElse(0);
      long slowest = outcomes.stream().mapToLong(Outcome::micros).max().orElse(0);
      System.out.printf(
          "NodeFailuresIT kill -9: %d calls, %s; the last failure %d ms after the kill; the slowest call %d ms%n",
          outcomes.size(), count(outcomes), TimeUnit.NANOSECONDS.toMillis(lastFailure), slowest / 1_000);
      // Calls caught by the kill end UNAVAILABLE or DEADLINE_EXCEEDED, never later than their
      // deadline (plus the client's grace); new calls reach n2 within a few seconds.
      assertThat(count(outcomes).keySet()).isSubsetOf(Status.OK, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED);
      assertThat(slowest).isLessThan(3_000_000L + 1_500_000L);
      assertThat(Duration.ofNanos(lastFailure)).isLessThan(Duration.ofSeconds(15));

      // The Split Brain Resolver downs n3: the router's membership no longer lists it.
      Poll.until(
          Duration.ofSeconds(40),
          "n3 removed from the cluster",
          () -> !router.httpGet("/cluster/members").contains(n3.clusterAddress()));

      // n3 comes back (a new process, same client port) and takes calls again.
      NodeProcess back =
          start(
              "fail-3-again",
              Map.of(
                  "MESH_SERVICES", "echo,info",
                  "MESH_SEED_NODES", router.clusterAddress(),
                  "MESH_PORT", Integer.toString(n3.port)),
              jvm);
      back.awaitReady(Duration.ofSeconds(60));
      String backAddress = "pekko://meshwork@" + back.clusterAddress();
      Poll.until(Duration.ofSeconds(20), "calls reach the restarted n3", () -> backAddress.equals(servedBy(client)));
      assertThat(router.upMembers()).isEqualTo(3);
    }
  }

  @Test
  void aRollingRestartOfEveryNodeUnderLoadFailsNoCall() throws Exception {
    NodeProcess[] nodes = new NodeProcess[3];
    nodes[0] = start("roll-1", Map.of("MESH_SERVICES", "echo,info"), List.of());
    for (int i = 1; i < 3; i++) {
      nodes[i] =
          start("roll-" + (i + 1), Map.of("MESH_SERVICES", "echo,info", "MESH_SEED_NODES", nodes[0].clusterAddress()), List.of());
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(60));
    }
    List<InetSocketAddress> endpoints = List.of(nodes[0].endpoint(), nodes[1].endpoint(), nodes[2].endpoint());
    MeshClientOptions options =
        MeshClientOptions.builder()
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .resendOnConnectionLoss(true) // echo is safe to repeat
            .build();
    try (MeshClient client = MeshClient.connect(endpoints, options)) {
      Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
      AtomicBoolean running = new AtomicBoolean(true);
      List<Future<?>> callers = load(client, 4, Duration.ofSeconds(5), running, outcomes);
      long began = System.nanoTime();
      List<Long> restartMillis = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        NodeProcess old = nodes[i];
        // 143 = 128 + SIGTERM, once the graceful shutdown (the JVM's shutdown hook) has run.
        assertThat(old.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isEqualTo(143);
        NodeProcess seed = nodes[(i + 1) % 3];
        nodes[i] =
            start(
                "roll-" + (i + 1) + "-again",
                Map.of(
                    "MESH_SERVICES", "echo,info",
                    "MESH_SEED_NODES", seed.clusterAddress(),
                    "MESH_PORT", Integer.toString(old.port)),
                List.of());
        nodes[i].awaitReady(Duration.ofSeconds(60));
        String address = "pekko://meshwork@" + nodes[i].clusterAddress();
        // The client has reconnected to it and its calls reach it again.
        Poll.until(Duration.ofSeconds(30), "calls reach the restarted node", () -> {
          for (int k = 0; k < 6; k++) {
            if (address.equals(servedBy(client))) {
              return true;
            }
          }
          return false;
        });
        restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      }
      running.set(false);
      for (Future<?> caller : callers) {
        caller.get(30, TimeUnit.SECONDS);
      }
      List<Outcome> failures = outcomes.stream().filter(o -> o.status() != Status.OK).toList();
      long slowest = outcomes.stream().mapToLong(Outcome::micros).max().orElse(0);
      System.out.printf(
          "NodeFailuresIT rolling restart: %d calls in %d s while each node restarted (%s ms): %s;"
              + " the slowest call %d ms; failures: %s%n",
          outcomes.size(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began), restartMillis,
          count(outcomes), slowest / 1_000, failures.stream().limit(5).map(Outcome::error).toList());
      assertThat(failures).isEmpty();
      assertThat(nodes[0].upMembers()).isEqualTo(3);
    }
  }
}
