package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UInt32Value;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.TickerService;
import io.meshwork.node.testing.WireConnection;
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

/** Streaming methods end to end: node A hosts the ticker service, node B forwards to it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;

  @BeforeAll
  void start() {
    a = nodes.start("ticker,echo", null);
    b = nodes.start("none", a);
    TestNodes.awaitUp(a, b);
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(b.system()).routingTable().services()).containsKey("ticker");
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static Request ticker(long id, String method, int value, int deadlineMs) {
    return Request.newBuilder()
        .setId(id)
        .setService("ticker")
        .setMethod(method)
        .setPayload(UInt32Value.of(value).toByteString())
        .setDeadlineMs(deadlineMs)
        .build();
  }

  private static void assertCountStream(WireConnection c, long id, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      Reply item = c.read();
      assertThat(item.getId()).isEqualTo(id);
      assertThat(item.getStatus()).isEqualTo(Status.OK);
      assertThat(item.getMore()).isTrue();
      assertThat(UInt32Value.parseFrom(item.getPayload()).getValue()).isEqualTo(i);
    }
    Reply end = c.read();
    assertThat(end.getId()).isEqualTo(id);
    assertThat(end.getStatus()).isEqualTo(Status.OK);
    assertThat(end.getMore()).isFalse();
  }

  @Test
  void aStreamDeliversEveryItemInOrderThenItsEnd() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(ticker(7, "count", 1000, 0)).flush();
      assertCountStream(c, 7, 1000);
    }
  }

  @Test
  void aStreamFromAnotherNodeArrivesWhole() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      c.write(ticker(8, "count", 2000, 0)).flush();
      assertCountStream(c, 8, 2000);
    }
  }

  @Test
  void streamsAndUnaryCallsShareAConnection() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(ticker(1, "count", 300, 0));
      for (int id = 2; id <= 50; id++) {
        c.write(echo(id, ByteString.copyFromUtf8("e" + id)));
      }
      c.flush();
      int items = 0;
      boolean ended = false;
      Map<Long, String> echoes = new HashMap<>();
      while (!ended || echoes.size() < 49) {
        Reply r = c.read();
        if (r.getId() == 1) {
          assertThat(ended).as("nothing after the end").isFalse();
          if (r.getMore()) {
            assertThat(UInt32Value.parseFrom(r.getPayload()).getValue()).isEqualTo(items++);
          } else {
            ended = true;
          }
        } else {
          echoes.put(r.getId(), r.getPayload().toStringUtf8());
        }
      }
      assertThat(items).isEqualTo(300);
      echoes.forEach((id, payload) -> assertThat(payload).isEqualTo("e" + id));
    }
  }

  @Test
  void aStartedStreamOutlivesItsDeadlineAndClosingTheConnectionCancelsIt() throws Exception {
    TickerService.CANCELLED.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(ticker(1, "tick", 50, 300)).flush(); // an item every 50 ms, deadline 300 ms
      for (int i = 0; i < 15; i++) { // 750 ms and more: well past the deadline
        Reply item = c.read();
        assertThat(item.getStatus()).as(item.getError()).isEqualTo(Status.OK);
        assertThat(item.getMore()).isTrue();
        assertThat(UInt32Value.parseFrom(item.getPayload()).getValue()).isEqualTo(i);
      }
    }
    Poll.until(Duration.ofSeconds(10), "the service is told of the cancellation", () -> !TickerService.CANCELLED.isEmpty());
    assertThat(TickerService.CANCELLED.peek()).startsWith("tick after");
  }

  @Test
  void closingAConnectionCancelsAStreamServedByAnotherNode() throws Exception {
    TickerService.CANCELLED.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      c.write(ticker(1, "tick", 20, 0)).flush();
      for (int i = 0; i < 5; i++) {
        assertThat(c.read().getMore()).isTrue();
      }
    }
    Poll.until(Duration.ofSeconds(10), "the service is told of the cancellation", () -> !TickerService.CANCELLED.isEmpty());
    assertThat(TickerService.CANCELLED.peek()).startsWith("tick after");
  }

  @Test
  void aStreamThatDoesNotStartInTimeEndsAtItsDeadlineAndIsCancelled() throws Exception {
    TickerService.CANCELLED.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      Reply r = c.call(ticker(1, "tick", 10_000, 300)); // the first item would come after 10 s
      assertThat(r.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      assertThat(r.getMore()).isFalse();
      Poll.until(Duration.ofSeconds(10), "the service is told of the cancellation", () -> !TickerService.CANCELLED.isEmpty());
      assertThat(TickerService.CANCELLED.peek()).isEqualTo("tick after 0 items");
      assertThat(c.call(echo(2, ByteString.copyFromUtf8("ok"))).getStatus()).isEqualTo(Status.OK);
    }
  }

  @Test
  void aClientThatDoesNotReadGetsItsStreamEndedWithOverloadedAndTheServiceStops() throws Exception {
    TickerService.CANCELLED.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(ticker(1, "flood", 64 * 1024, 0)).flush();
      Poll.until(Duration.ofSeconds(20), "the service is told of the cancellation", () -> !TickerService.CANCELLED.isEmpty());
      assertThat(TickerService.CANCELLED.peek()).startsWith("flood after");
      long bytes = 0;
      Reply r;
      do {
        r = c.read();
        bytes += r.getPayload().size();
      } while (r.getMore());
      assertThat(r.getStatus()).isEqualTo(Status.OVERLOADED);
      assertThat(r.getError()).contains("did not read its replies fast enough");
      // What was buffered for the client is bounded: the outbox limit plus socket buffers.
      assertThat(bytes).isLessThan(64L * 1024 * 1024);
      assertThat(c.call(echo(2, ByteString.copyFromUtf8("ok"))).getStatus()).isEqualTo(Status.OK);
    }
  }
}
