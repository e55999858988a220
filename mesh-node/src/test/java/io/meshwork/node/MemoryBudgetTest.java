package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.PrometheusText;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bytes clients make a node hold, on real sockets: announced frames hold only what arrived,
 * frames and first requests that never come are timed out, headers are bounded, a connection past
 * its budget is not read, and past the node's budget the flooding connections are shed while a
 * good client is served. Figures come from the node's own gauge, {@code
 * meshwork_client_memory_held_bytes} on GET /metrics.
 */
class MemoryBudgetTest {
  private static final int KIB = 1024;
  /** Small frames and reads, so that budgets of a few hundred KiB are legal and quick to fill. */
  private static final Map<String, Object> SMALL =
      Map.of(
          "meshwork.endpoint.max-frame-size", "64 KiB",
          "meshwork.endpoint.read-buffer-size", "16 KiB",
          "meshwork.endpoint.memory.connection-budget", "256 KiB");

  private final TestNodes nodes = new TestNodes();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<WireConnection> open = new ArrayList<>();

  @AfterEach
  void stop() {
    open.forEach(WireConnection::close);
    nodes.close();
  }

  private MeshNode start(Map<String, Object> extra) {
    MeshNode node = nodes.start("echo,silent", null, extra);
    TestNodes.awaitUp(node);
    return node;
  }

  private WireConnection connect(MeshNode node) {
    WireConnection conn = new WireConnection(TestNodes.endpoint(node));
    open.add(conn);
    return conn;
  }

  private long held(MeshNode node) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return (long) PrometheusText.parse(response.body()).sum("meshwork_client_memory_held_bytes");
    } catch (IOException e) {
      throw new AssertionError("GET /metrics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Request silent(long id, int payloadBytes, int deadlineMs) {
    return Request.newBuilder()
        .setId(id)
        .setService("silent")
        .setPayload(ByteString.copyFrom(new byte[payloadBytes]))
        .setDeadlineMs(deadlineMs)
        .build();
  }

  private static void assertEchoes(WireConnection conn, long id) {
    Reply reply = conn.call(echo(id, ByteString.copyFromUtf8("good-" + id)));
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    assertThat(reply.getPayload().toStringUtf8()).isEqualTo("good-" + id);
  }

  @Test
  void announcedFramesHoldOnlyTheBytesThatArrived() {
    MeshNode node = start(Map.of());
    WireConnection good = connect(node);
    byte[] prefix = {(byte) 0xc0, (byte) 0x84, 0x3d}; // announces 1,000,000 bytes
    List<WireConnection> announcing = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      announcing.add(connect(node).writeRaw(prefix).flush());
    }
    assertEchoes(good, 1);
    for (WireConnection conn : announcing) {
      conn.writeRaw(new byte[1000]).flush();
    }
    // 300 x 1,000 body bytes arrived: held as they came, not as announced (300 MB).
    Poll.until(Duration.ofSeconds(10), "the node has read the body bytes", () -> held(node) >= 300_000);
    assertThat(held(node)).isBetween(300_000L, 2 * 300_000L);
    assertEchoes(good, 2);
  }

  @Test
  void aFrameThatDoesNotCompleteInTimeClosesItsConnectionEvenIfBytesTrickleIn() {
    MeshNode node = start(Map.of("meshwork.endpoint.frame-timeout", "1s"));
    WireConnection slow = connect(node);
    slow.writeRaw(new byte[] {(byte) 0xe8, 0x07}).flush(); // a 1,000-byte frame
    Reply reply = null;
    for (int i = 0; i < 40 && reply == null; i++) {
      slow.writeRaw(new byte[] {1}).flush(); // one byte every 100 ms: activity, never a frame
      reply = slow.readWithin(Duration.ofMillis(100));
    }
    assertThat(reply).as("a reply before 4 s").isNotNull();
    assertThat(reply.getId()).isZero();
    assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(reply.getError()).contains("meshwork.endpoint.frame-timeout");
    assertThat(slow.closedByNode()).isTrue();
    assertEchoes(connect(node), 1);
  }

  @Test
  void aConnectionThatSendsNoRequestIsClosedButOneThatHasServedMayIdle() {
    MeshNode node = start(Map.of("meshwork.endpoint.first-request-timeout", "1s"));
    WireConnection served = connect(node);
    assertEchoes(served, 1);
    WireConnection mute = connect(node);
    assertThat(mute.readWithin(Duration.ofSeconds(6))).as("closed without a reply").isNull();
    assertThat(mute.closedByNode()).isTrue();
    assertEchoes(served, 2); // idle for longer than the first-request timeout, and still served
  }

  @Test
  void headersPastTheirLimitsAreBadRequestNamingTheLimitAndTheConnectionGoesOn() {
    MeshNode node = start(Map.of());
    WireConnection conn = connect(node);
    Request.Builder many = echo(1, ByteString.copyFromUtf8("x")).toBuilder();
    for (int i = 0; i < 65; i++) {
      many.putHeaders("h" + i, "v");
    }
    Reply tooMany = conn.call(many.build());
    assertThat(tooMany.getId()).isEqualTo(1);
    assertThat(tooMany.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(tooMany.getError())
        .isEqualTo("headers: 65 entries (expected: at most 64, meshwork.endpoint.max-headers)");
    Reply tooBig =
        conn.call(echo(2, ByteString.copyFromUtf8("x")).toBuilder().putHeaders("big", "é".repeat(8192)).build());
    assertThat(tooBig.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(tooBig.getError())
        .isEqualTo(
            "headers: 16387 bytes of names and values (expected: at most 16384,"
                + " meshwork.endpoint.max-header-bytes)");
    assertEchoes(conn, 3);
  }

  @Test
  void aConnectionPastItsBudgetIsNotReadUntilItsCallsEndAndEveryCallIsAnswered() {
    MeshNode node = start(SMALL);
    WireConnection flood = connect(node);
    int calls = 40; // 40 x 32 KiB = 1.25 MiB, five times the connection's budget
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 1; i <= calls; i++) {
                flood.write(silent(i, 32 * KIB, 1500));
              }
              flood.flush();
            });
    long most = 0;
    Map<Status, Integer> statuses = new EnumMap<>(Status.class);
    for (int i = 0; i < calls; i++) {
      if (i % 4 == 0) {
        most = Math.max(most, held(node));
      }
      statuses.merge(flood.read().getStatus(), 1, Integer::sum);
    }
    writing.join();
    assertThat(statuses).containsExactly(Map.entry(Status.DEADLINE_EXCEEDED, calls));
    // The budget, plus at most one read that arrived just under it.
    assertThat(most).isPositive().isLessThanOrEqualTo(256 * KIB + 16 * KIB + 64 * KIB);
    Poll.until(Duration.ofSeconds(5), "everything released", () -> held(node) == 0);
  }

  @Test
  void pastTheNodesBudgetTheFloodingConnectionsAreShedWhileAGoodClientIsServed() {
    Map<String, Object> conf = new HashMap<>(SMALL);
    conf.put("meshwork.endpoint.memory.node-budget", "1 MiB");
    MeshNode node = start(conf);
    WireConnection good = connect(node);
    int flooders = 12;
    int callsEach = 24; // 12 x 24 x 32 KiB = 9 MiB wanted, against 1 MiB
    AtomicLong goodCalls = new AtomicLong();
    List<CompletableFuture<Map<Status, Integer>>> floods = new ArrayList<>();
    for (int f = 0; f < flooders; f++) {
      WireConnection conn = connect(node);
      floods.add(
          CompletableFuture.supplyAsync(
              () -> {
                CompletableFuture<Void> writing =
                    CompletableFuture.runAsync(
                        () -> {
                          for (int i = 1; i <= callsEach; i++) {
                            conn.write(silent(i, 32 * KIB, 3000));
                          }
                          conn.flush();
                        });
                Map<Status, Integer> seen = new EnumMap<>(Status.class);
                for (int i = 0; i < callsEach; i++) {
                  Reply r = conn.read();
                  seen.merge(r.getStatus(), 1, Integer::sum);
                  if (r.getStatus() == Status.OVERLOADED) {
                    assertThat(r.getError()).contains("meshwork.endpoint.memory.node-budget");
                  }
                }
                writing.join();
                return seen;
              }));
    }
    long most = 0;
    while (!CompletableFuture.allOf(floods.toArray(CompletableFuture[]::new)).isDone()) {
      assertEchoes(good, goodCalls.incrementAndGet());
      if (goodCalls.get() % 20 == 0) {
        most = Math.max(most, held(node));
      }
    }
    Map<Status, Integer> total = new EnumMap<>(Status.class);
    floods.forEach(f -> f.join().forEach((s, n) -> total.merge(s, n, Integer::sum)));
    assertThat(total.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(flooders * callsEach);
    assertThat(total.keySet()).containsOnly(Status.OVERLOADED, Status.DEADLINE_EXCEEDED);
    assertThat(total).containsKey(Status.OVERLOADED);
    assertThat(goodCalls.get()).isGreaterThan(20);
    // The node's budget, overshot by at most one read and one frame per connection.
    assertThat(most).isLessThanOrEqualTo(1024 * KIB + (flooders + 1) * (16 + 64) * KIB);
    System.out.printf(
        "node budget 1 MiB: flood answered %s; good client %d calls OK; most held %d bytes%n",
        total, goodCalls.get(), most);
  }
}
