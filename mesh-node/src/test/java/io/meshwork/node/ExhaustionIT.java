package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.meshwork.node.testing.FuzzBytes;
import io.meshwork.node.testing.Kv;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.PrometheusText;
import io.meshwork.node.testing.SteadyClient;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.DelayRequest;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.Sha256Request;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile clients against one {@code mesh-node.jar} process with a small heap ({@code -Xmx256m
 * -XX:+ExitOnOutOfMemoryError}) hosting the built-in services: each attack runs while a
 * well-behaved client calls {@code echo} at a steady rate, and must end with the node alive, the
 * bytes it holds for clients within its budget (sampled from GET /metrics during the attack), the
 * good client's calls all answered {@code OK} with a p99 under 50 ms, and the attacker answered
 * with typed statuses or clean closes. Each attack prints its figures (docs/budgets.md keeps them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExhaustionIT {
  private static final int MIB = 1 << 20;
  private NodeProcess node;
  private Attack attack;

  @BeforeAll
  void start() {
    node =
        NodeProcess.start(
            "exhaustion",
            Map.of("MESH_SERVICES", "echo,hash,pubsub,kv,conformance"),
            List.of("-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=target/it-logs/exhaustion-gc.log"));
    node.awaitReady(Duration.ofSeconds(60));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void endAttack() {
    if (attack != null) {
      attack.close();
      attack = null;
    }
  }

  /** The good client and a sampler of the node's figures, around one attack. */
  private final class Attack implements AutoCloseable {
    final String name;
    final SteadyClient good = SteadyClient.start(node.endpoint(), 2_000); // 500 calls/s
    final Map<Status, Integer> attacker = new EnumMap<>(Status.class);
    private final Thread sampler;
    private volatile boolean sampling = true;
    volatile long maxHeld;
    volatile long maxHeap;
    volatile long budget;

    Attack(String name) {
      this.name = name;
      this.sampler = new Thread(this::sample, "sampler");
      sampler.start();
    }

    private void sample() {
      while (sampling && node.isAlive()) {
        try {
          PrometheusText m = PrometheusText.parse(node.httpGet("/metrics"));
          maxHeld = Math.max(maxHeld, (long) m.sum("meshwork_client_memory_held_bytes"));
          // Used, garbage included (G1 collects late in a small heap): an upper bound of live data.
          maxHeap = Math.max(maxHeap, (long) m.sum("jvm_memory_used_bytes", "area", "heap"));
          budget = (long) m.sum("meshwork_client_memory_budget_bytes");
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // the node is busy or gone: the assertions below say which
        }
      }
    }

    synchronized void count(Status status) {
      attacker.merge(status, 1, Integer::sum);
    }

    /** Ends the attack and checks the outcome every attack must have. */
    void verify() {
      good.stop();
      sampling = false;
      try {
        sampler.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.out.printf(
          "ExhaustionIT %s: node %s; held at most %.1f MiB of a %.1f MiB budget; heap used (garbage included) at most"
              + " %.1f MiB; attacker answered %s; %s%n",
          name,
          node.isAlive() ? "alive" : "DEAD",
          maxHeld / (double) MIB,
          budget / (double) MIB,
          maxHeap / (double) MIB,
          attacker,
          good.summary());
      assertThat(node.isAlive()).as("the node survived " + name).isTrue();
      assertThat(good.failure()).as("the good client's connection").isNull();
      assertThat(good.statuses().keySet()).as("the good client's statuses").containsOnly(Status.OK);
      assertThat(good.wrongPayloads()).isZero();
      assertThat(good.calls()).as("the good client's calls during the attack").isGreaterThan(50);
      assertThat(good.p99Millis()).as("the good client's p99 (ms)").isLessThan(50);
      assertThat(budget).as("the node's budget, read from /metrics").isPositive();
      assertThat(maxHeld).as("bytes held for clients").isLessThanOrEqualTo(budget + 2L * MIB);
    }

    @Override
    public void close() {
      good.stop();
      sampling = false;
    }
  }

  private static Request request(long id, String service, String method, Message payload, int deadlineMs) {
    return Request.newBuilder()
        .setId(id)
        .setService(service)
        .setMethod(method)
        .setPayload(payload.toByteString())
        .setDeadlineMs(deadlineMs)
        .build();
  }

  /**
   * Pipelines {@code calls} requests on each of {@code connections} connections (a writer and a
   * reader per connection) and counts every reply's status in the attack.
   */
  private void pipeline(int connections, int calls, java.util.function.LongFunction<Request> make) {
    pipelineFrames(connections, calls, id -> FuzzBytes.delimited(make.apply(id).toByteArray()));
  }

  /** As {@link #pipeline}, with each request given as its frame's bytes. */
  private void pipelineFrames(
      int connections, int calls, java.util.function.LongFunction<byte[]> make) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      WireConnection conn = new WireConnection(node.endpoint());
      CompletableFuture<Void> writing =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 1; i <= calls; i++) {
                  conn.writeRaw(make.apply(i));
                  if (i % 8 == 0) {
                    conn.flush();
                  }
                }
                conn.flush();
              });
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try (conn) {
                  for (int i = 0; i < calls; i++) {
                    attack.count(conn.read().getStatus());
                  }
                  writing.join();
                }
              }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  @Test
  void announcedFramesOnFifteenThousandConnections() throws IOException {
    attack = new Attack("announced frames (15,000 connections x a 3-byte prefix of 1,000,000 bytes)");
    byte[] prefix = {(byte) 0xc0, (byte) 0x84, 0x3d};
    List<SocketChannel> open = new ArrayList<>();
    try {
      for (int i = 0; i < 15_000; i++) {
        SocketChannel ch = SocketChannel.open();
        open.add(ch);
        // 16 source addresses: under max-connections-per-address (1,000) each.
        ch.bind(new InetSocketAddress("127.0.0." + (2 + i / 940), 0));
        ch.connect(node.endpoint());
        ch.write(ByteBuffer.wrap(prefix));
        attack.count(Status.OK); // taken (a refused one would have got a reply and a close)
      }
      Thread.sleep(3000); // the node holds them all for a while (nothing to await: they are idle)
    } catch (IOException e) {
      System.out.printf("ExhaustionIT: connection %d failed: %s%n", open.size(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (SocketChannel ch : open) {
        ch.close();
      }
    }
    attack.verify();
  }

  @Test
  void bulkMegabyteCallsToTheOneInstanceHashFromSeveralConnections() {
    attack = new Attack("bulk 1 MB hash/sha256 calls (4 connections x 80, 2 s deadline)");
    Sha256Request big = Sha256Request.newBuilder().setData(ByteString.copyFrom(new byte[MIB - 64])).build();
    pipeline(4, 80, id -> request(id, "hash", "sha256", big, 2000));
    attack.verify();
    assertThat(attack.attacker.keySet())
        .isSubsetOf(Status.OK, Status.OVERLOADED, Status.DEADLINE_EXCEEDED);
  }

  @Test
  void callsHeldPastTheirDeadlineByTheService() {
    attack = new Attack("calls held past their deadline (conformance/delay 60 s, deadline 20 ms, 1 MB, 600 calls)");
    DelayRequest held =
        DelayRequest.newBuilder().setDelayMs(60_000).setPayload(ByteString.copyFrom(new byte[MIB - 64])).build();
    pipeline(1, 600, id -> request(id, "conformance", "delay", held, 20));
    attack.verify();
    assertThat(attack.attacker).containsOnlyKeys(Status.DEADLINE_EXCEEDED);
  }

  @Test
  void hugeHeaderMaps() {
    // Two connections: more would mostly compete for this machine's two cores with the good
    // client in the same JVM (the node scans a frame's headers without decoding them).
    attack = new Attack("huge header maps (2 connections x 160 frames of 30,000 headers, ~0.8 MB)");
    // Built once per id, not per connection: the attacker's own CPU is not the node's problem.
    Map<Long, byte[]> frames = new java.util.concurrent.ConcurrentHashMap<>();
    pipelineFrames(
        2,
        160,
        id ->
            frames.computeIfAbsent(
                id,
                i -> {
                  Request.Builder b =
                      request(i, "echo", "", Sha256Request.getDefaultInstance(), 5000).toBuilder();
                  for (int h = 0; h < 30_000; h++) {
                    b.putHeaders("h-" + h, "0123456789012345678");
                  }
                  return FuzzBytes.delimited(b.build().toByteArray());
                }));
    attack.verify();
    assertThat(attack.attacker).containsOnlyKeys(Status.BAD_REQUEST);
  }

  @Test
  void thousandsOfTopics() {
    attack = new Attack("thousands of pubsub topics (12 connections x 1,000 subscriptions at once, 5,000 publishes, each to a new topic)");
    CompletableFuture<Void> publishing =
        CompletableFuture.runAsync(
            () ->
                pipeline(
                    1,
                    5000,
                    id ->
                        request(
                            id,
                            "pubsub",
                            "publish",
                            PublishRequest.newBuilder()
                                .setTopic("published-" + id)
                                .setData(ByteString.copyFromUtf8("x"))
                                .build(),
                            3000)));
    java.util.concurrent.atomic.AtomicLong topics = new java.util.concurrent.atomic.AtomicLong();
    // Every subscription names its own topic; none gets a message, so each ends at its 5 s
    // deadline (DEADLINE_EXCEEDED), or at once past the node's 10,000 topics (OVERLOADED). 1,000
    // per connection: all in flight together (under max-in-flight-per-connection).
    pipeline(
        12,
        1000,
        id ->
            request(
                id,
                "pubsub",
                "subscribe",
                SubscribeRequest.newBuilder().setTopic("t-" + topics.incrementAndGet()).build(),
                5000));
    publishing.join();
    attack.verify();
    assertThat(attack.attacker.keySet())
        .containsOnly(Status.OK, Status.OVERLOADED, Status.DEADLINE_EXCEEDED);
  }

  @Test
  void kvKeysOnAFullStore() {
    // Fill the store (puts until the buckets refuse more), then list it from several connections.
    String value = "v".repeat(1000);
    java.util.concurrent.atomic.AtomicInteger stored = new java.util.concurrent.atomic.AtomicInteger();
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      for (int batch = 0; batch < 60; batch++) {
        for (int i = 0; i < 1000; i++) {
          conn.write(Kv.put(batch * 1000L + i + 1, "key-" + batch + "-" + i, value, Consistency.LOCAL));
        }
        conn.flush();
        for (int i = 0; i < 1000; i++) {
          if (conn.read().getStatus() == Status.OK) {
            stored.incrementAndGet();
          }
        }
      }
    }
    attack = new Attack("kv keys on a full store (" + stored + " keys of 1 KB; 8 connections x 250 keys calls at the largest page, for 3 s)");
    // Shed at once, so one round is short: flood for at least 3 s, for the good client's figures.
    long until = System.nanoTime() + 3_000_000_000L;
    do {
      pipeline(8, 250, id -> Kv.keys(id, "", "", 10_000, Consistency.LOCAL));
    } while (System.nanoTime() < until);
    attack.verify();
    assertThat(attack.attacker.keySet()).isSubsetOf(Status.OK, Status.OVERLOADED);
  }

  @Test
  void aClientThatKeepsHashBusy() {
    attack = new Attack("a client keeping hash busy (4 connections x 50 pbkdf2 calls at the iteration cap)");
    Pbkdf2Request costly =
        Pbkdf2Request.newBuilder()
            .setPassword(ByteString.copyFromUtf8("password"))
            .setSalt(ByteString.copyFromUtf8("saltsaltsalt"))
            .setIterations(1_000_000)
            .build();
    CompletableFuture<Map<Status, Integer>> fairHash = CompletableFuture.supplyAsync(this::hashCallsOfAGoodClient);
    pipeline(4, 50, id -> request(id, "hash", "pbkdf2", costly, 10_000));
    Map<Status, Integer> goodHash = fairHash.join();
    System.out.println("ExhaustionIT: a good hash client beside it: " + goodHash);
    attack.verify();
    assertThat(goodHash).containsOnlyKeys(Status.OK);
  }

  /** Twenty small sha256 calls, one at a time, each with a 3 s deadline. */
  private Map<Status, Integer> hashCallsOfAGoodClient() {
    Map<Status, Integer> seen = new EnumMap<>(Status.class);
    Sha256Request small = Sha256Request.newBuilder().setData(ByteString.copyFromUtf8("hello")).build();
    try (WireConnection conn = new WireConnection(node.endpoint())) {
      for (int i = 1; i <= 20; i++) {
        Reply r = conn.call(request(i, "hash", "sha256", small, 3000));
        seen.merge(r.getStatus(), 1, Integer::sum);
      }
    }
    return seen;
  }

}
