package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint's node-wide bounds: connections, requests in flight, idle and stalled clients. */
class OverloadTest {
  private final TestNodes nodes = new TestNodes();

  @AfterEach
  void stop() {
    nodes.close();
  }

  private static Request silent(long id, int deadlineMs) {
    return Request.newBuilder().setId(id).setService("silent").setDeadlineMs(deadlineMs).build();
  }

  private static void awaitEcho(WireConnection conn) {
    long[] id = {1_000_000};
    Poll.until(
        Duration.ofSeconds(10),
        "echo answers",
        () -> conn.call(echo(++id[0], ByteString.copyFromUtf8("x"))).getStatus() == Status.OK);
  }

  @Test
  void pastMaxConnectionsANewConnectionGetsOverloadedAndIsClosed() {
    MeshNode node = nodes.start("echo", null, Map.of("meshwork.endpoint.max-connections", 3));
    TestNodes.awaitUp(node);
    List<WireConnection> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        WireConnection conn = new WireConnection(TestNodes.endpoint(node));
        open.add(conn);
        awaitEcho(conn); // established and counted
      }
      try (WireConnection fourth = new WireConnection(TestNodes.endpoint(node))) {
        Reply refused = fourth.read();
        assertThat(refused.getId()).isZero();
        assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
        assertThat(refused.getError())
            .isEqualTo(
                "the node has 3 client connections open (meshwork.endpoint.max-connections); try"
                    + " another node or later");
        assertThat(fourth.closedByNode()).isTrue();
      }
      open.remove(0).close();
      // A place is free again once the node has seen that connection close.
      Poll.until(
          Duration.ofSeconds(10),
          "a new connection is served",
          () -> {
            try (WireConnection again = new WireConnection(TestNodes.endpoint(node))) {
              return again.call(echo(7, ByteString.copyFromUtf8("back"))).getStatus() == Status.OK;
            }
          });
    } finally {
      open.forEach(WireConnection::close);
    }
  }

  @Test
  void pastMaxInFlightPerNodeRequestsAreShedAtOnceButALightClientIsStillServed() {
    MeshNode node =
        nodes.start("echo,silent", null, Map.of("meshwork.endpoint.max-in-flight-per-node", 50));
    TestNodes.awaitUp(node);
    try (WireConnection heavy = new WireConnection(TestNodes.endpoint(node));
        WireConnection light = new WireConnection(TestNodes.endpoint(node))) {
      awaitEcho(heavy);
      // 80 calls that will wait 3 s: 50 are taken, the other 30 are answered OVERLOADED at once.
      for (int i = 1; i <= 80; i++) {
        heavy.write(silent(i, 3_000));
      }
      heavy.flush();
      for (int i = 0; i < 30; i++) {
        Reply shed = heavy.readWithin(Duration.ofSeconds(2));
        assertThat(shed).as("an immediate answer").isNotNull();
        assertThat(shed.getStatus()).isEqualTo(Status.OVERLOADED);
        assertThat(shed.getId()).isBetween(51L, 80L);
        assertThat(shed.getError()).contains("the node has 50 requests in flight", "max-in-flight-per-node");
      }
      // A connection with few calls in flight is still served while the node is full.
      Reply served = light.call(echo(1, ByteString.copyFromUtf8("light")));
      assertThat(served.getStatus()).isEqualTo(Status.OK);
      // The 50 taken calls end at their deadline; then the node takes calls again.
      for (int i = 0; i < 50; i++) {
        assertThat(heavy.read().getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      }
      for (int i = 100; i < 150; i++) {
        heavy.write(echo(i, ByteString.copyFromUtf8("again " + i)));
      }
      heavy.flush();
      for (int i = 100; i < 150; i++) {
        assertThat(heavy.read().getStatus()).isEqualTo(Status.OK);
      }
    }
  }

  @Test
  void aFloodFarBeyondCapacityIsShedWhileAWellBehavedClientKeepsCalling() throws Exception {
    MeshNode node =
        nodes.start(
            "echo,silent", null, Map.of("meshwork.endpoint.max-in-flight-per-node", 2_000));
    TestNodes.awaitUp(node);
    int flooders = 16;
    int perFlooder = 5_000;
    long heapBefore = usedHeapAfterGc();
    ExecutorService pool = Executors.newFixedThreadPool(flooders + 1);
    AtomicBoolean flooding = new AtomicBoolean(true);
    Map<Status, AtomicLong> floodOutcomes = new ConcurrentHashMap<>();
    try {
      // The well-behaved client: one echo call at a time, for as long as the flood lasts.
      Future<List<Long>> good =
          pool.submit(
              () -> {
                List<Long> micros = new ArrayList<>();
                try (WireConnection conn = new WireConnection(TestNodes.endpoint(node))) {
                  awaitEcho(conn);
                  long id = 0;
                  while (flooding.get() || micros.size() < 100) {
                    long start = System.nanoTime();
                    Reply reply = conn.call(echo(++id, ByteString.copyFromUtf8("good " + id)));
                    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
                    assertThat(reply.getPayload().toStringUtf8()).isEqualTo("good " + id);
                    micros.add((System.nanoTime() - start) / 1_000);
                  }
                }
                return micros;
              });
      // Flooders: thousands of calls each to a service that never answers (each would hold a
      // place until its 2 s deadline), pipelined as fast as TCP takes them; every one must get
      // exactly one answer.
      List<Future<?>> floods = new ArrayList<>();
      for (int f = 0; f < flooders; f++) {
        floods.add(
            pool.submit(
                () -> {
                  try (WireConnection conn = new WireConnection(TestNodes.endpoint(node))) {
                    Thread writer =
                        new Thread(
                            () -> {
                              for (int i = 1; i <= perFlooder; i++) {
                                conn.write(silent(i, 2_000));
                              }
                              conn.flush();
                            });
                    writer.start();
                    boolean[] answered = new boolean[perFlooder + 1];
                    for (int i = 0; i < perFlooder; i++) {
                      Reply reply = conn.read();
                      assertThat(answered[(int) reply.getId()]).as("one answer per id").isFalse();
                      answered[(int) reply.getId()] = true;
                      floodOutcomes.computeIfAbsent(reply.getStatus(), s -> new AtomicLong()).incrementAndGet();
                    }
                    writer.join();
                  }
                  return null;
                }));
      }
      // The management API answers during the flood.
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + "/ready"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      for (Future<?> flood : floods) {
        flood.get(2, TimeUnit.MINUTES);
      }
      flooding.set(false);
      List<Long> micros = good.get(1, TimeUnit.MINUTES);
      micros.sort(null);
      long p99 = micros.get((int) (micros.size() * 0.99));
      Map<Status, Long> outcomes = new EnumMap<>(Status.class);
      floodOutcomes.forEach((status, n) -> outcomes.put(status, n.get()));
      System.out.printf(
          "OverloadTest flood: %d calls from %d connections: %s; the good client made %d calls, p50"
              + " %d us, p99 %d us, max %d us%n",
          flooders * perFlooder, flooders, outcomes, micros.size(), micros.get(micros.size() / 2), p99,
          micros.get(micros.size() - 1));
      assertThat(outcomes.keySet()).containsOnly(Status.OVERLOADED, Status.DEADLINE_EXCEEDED);
      assertThat(outcomes.values().stream().mapToLong(Long::longValue).sum()).isEqualTo((long) flooders * perFlooder);
      assertThat(outcomes.get(Status.OVERLOADED)).isGreaterThan(flooders * perFlooder / 2L);
      // Generous bounds (2 shared cores, a GC may pause everything): the good client's calls are
      // served promptly, and every one well inside its 5 s deadline even at the peak.
      assertThat(p99).isLessThan(200_000L);
      assertThat(micros.get(micros.size() - 1)).isLessThan(4_000_000L);
      long heapGrowth = usedHeapAfterGc() - heapBefore;
      assertThat(heapGrowth).as("heap growth after the flood, bytes").isLessThan(200L * 1024 * 1024);
    } finally {
      flooding.set(false);
      pool.shutdownNow();
    }
  }

  @Test
  void aClientThatStopsReadingIsDisconnectedAndAnIdleOneIsClosed() {
    MeshNode node =
        nodes.start(
            "echo",
            null,
            Map.of(
                "meshwork.endpoint.write-stall-timeout", "1s",
                "meshwork.endpoint.idle-timeout", "1500ms"));
    TestNodes.awaitUp(node);
    // Never reads: 200 requests for 256 KiB replies fill the socket buffers, then the node's own.
    try (WireConnection deaf = new WireConnection(TestNodes.endpoint(node));
        WireConnection idle = new WireConnection(TestNodes.endpoint(node))) {
      awaitEcho(idle);
      ByteString big = ByteString.copyFrom(new byte[256 * 1024]);
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (int i = 1; i <= 200; i++) {
                    deaf.write(echo(i, big));
                  }
                  deaf.flush();
                } catch (java.io.UncheckedIOException e) {
                  // expected: the node closes the connection while this write is blocked
                }
              });
      writer.start();
      // The deaf client is cut off within a few seconds; then reading shows the end of stream
      // after whatever the node had sent.
      Poll.until(
          Duration.ofSeconds(15),
          "the node closes both connections",
          () -> {
            int open = NodeRuntime.get(node.system()).connections().get();
            return open == 0;
          });
      assertThat(idle.closedByNode()).isTrue();
    }
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
