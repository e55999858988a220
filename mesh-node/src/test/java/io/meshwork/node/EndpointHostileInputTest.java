package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Inputs that {@code EndpointFuzzTest} once found the node answering wrongly, kept as exact byte
 * sequences so that they stay fixed whatever the fuzzer's generator becomes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointHostileInputTest {
  private final TestNodes nodes = new TestNodes();
  private InetSocketAddress address;

  @BeforeAll
  void startNode() {
    MeshNode node = nodes.start("echo", null);
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  private static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  /** Fuzz seed 2, session 861: a complete prefix (58) and the client's FIN, no body byte. */
  @Test
  void aPrefixWithoutBodyThenFinGetsBadRequestAndClose() {
    try (WireConnection c = new WireConnection(address)) {
      c.writeRaw(hex("3a")).shutdownOutput();
      Reply reply = c.read();
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("closed inside a frame");
      assertThat(c.closedByNode()).isTrue();
    }
  }

  /**
   * Fuzz seed 2, session 977: three echo calls, then a prefix (18) and FIN. The calls may or may
   * not be answered (calls in flight when a connection closes may get no reply), but the error and
   * the close must come.
   */
  @Test
  void callsThenAPrefixWithoutBodyThenFinGetsBadRequestAndClose() {
    try (WireConnection c = new WireConnection(address)) {
      c.writeRaw(
              hex(
                  "0f080112046563686f22057072652d31 0f080212046563686f22057072652d32"
                      + " 0f080312046563686f22057072652d33 12"))
          .shutdownOutput();
      Reply reply = c.read();
      for (int answered = 0; reply.getId() != 0 && answered < 3; answered++) {
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("pre-" + reply.getId());
        reply = c.read();
      }
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("closed inside a frame");
      assertThat(c.closedByNode()).isTrue();
    }
  }

  /**
   * Not a fuzzer find but a suspicion from reading the parse path, confirmed correct: a body that
   * protobuf rejects ("end-group tag did not match"), {id 7, service "echo", payload "hi"}, then a
   * stray end-group tag and more bytes. Parsed from a stream not checked for its last tag, it would
   * pass as the request before the tag.
   */
  @Test
  void aBodyWithAStrayEndGroupTagIsNotARequest() {
    try (WireConnection c = new WireConnection(address)) {
      byte[] body = hex("0807 12046563686f 22026869 0c 0801");
      byte[] frame = new byte[body.length + 1];
      frame[0] = (byte) body.length;
      System.arraycopy(body, 0, frame, 1, body.length);
      Reply reply = c.writeRaw(frame).flush().read();
      assertThat(reply.getId()).isZero();
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).contains("not a valid meshwork.v1.Request");

      assertThat(c.call(echo(8, ByteString.copyFromUtf8("still open"))).getStatus()).isEqualTo(Status.OK);
    }
  }

  /**
   * A client that sends large echo calls and never reads its replies: the node must stop reading
   * it once max-outbox-size (4 MiB) of replies wait, not hold up to max-in-flight-per-connection
   * (1024) replies of up to 1 MiB each. Found with the fuzzer's late-reader sessions scaled up.
   */
  @Test
  void aClientThatNeverReadsCannotMakeTheNodeHoldItsRepliesWithoutBound() throws Exception {
    long before = usedHeapAfterGc();
    byte[] payload = new byte[1_000_000];
    try (WireConnection c = new WireConnection(address)) {
      CompletableFuture<Void> writing =
          CompletableFuture.runAsync(
              () -> {
                for (int id = 1; id <= 1_000; id++) {
                  c.write(echo(id, ByteString.copyFrom(payload)));
                }
                c.flush();
              });
      // The writer is stuck once the node stops reading (TCP backpressure), long before 1 GB.
      assertThatThrownBy(() -> writing.get(5, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
      long held = usedHeapAfterGc() - before;
      assertThat(held).as("heap held for one connection that does not read, bytes").isLessThan(128L << 20);
      c.abort();
    }
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }
}
