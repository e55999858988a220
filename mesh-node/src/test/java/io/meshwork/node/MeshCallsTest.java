package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Services calling services through the mesh: {@code relay} on node B calls {@code echo},
 * {@code inspect} and {@code silent} on node A, over Artery, with the client's deadline and
 * headers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshCallsTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;

  @BeforeAll
  void start() {
    a = nodes.start("echo,inspect,silent", null);
    b = nodes.start("relay", a);
    TestNodes.awaitUp(a, b);
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(b.system()).routingTable().services())
              .containsKeys("echo", "inspect", "silent", "relay");
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static Request relay(long id, String method, ByteString payload, int deadlineMs) {
    return Request.newBuilder()
        .setId(id)
        .setService("relay")
        .setMethod(method)
        .setPayload(payload)
        .setDeadlineMs(deadlineMs)
        .putHeaders("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .build();
  }

  @Test
  void aServiceCallsAnotherOnAnotherNodeAndGetsItsReply() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      for (int id = 1; id <= 200; id++) {
        BytesValue sent = BytesValue.of(ByteString.copyFromUtf8("relayed " + id));
        Reply reply = c.call(relay(id, "echo", sent.toByteString(), 0));
        assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
        assertThat(BytesValue.parseFrom(reply.getPayload())).isEqualTo(sent);
      }
    }
  }

  @Test
  void theCalleeGetsTheCallersRemainingDeadlineAndItsHeaders() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      Reply reply = c.call(relay(1, "inspect", StringValue.of("?").toByteString(), 2000));
      assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
      String seen = StringValue.parseFrom(reply.getPayload()).getValue();
      Matcher m = Pattern.compile("remaining=(\\d+);headers=(.*)").matcher(seen);
      assertThat(m.matches()).as(seen).isTrue();
      assertThat(Long.parseLong(m.group(1))).isBetween(1000L, 2000L); // the client's 2 s, less the hops
      assertThat(m.group(2)).contains("traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736");
    }
  }

  @Test
  void aMissingServiceFailsTheInnerCallWithItsStatus() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      Reply reply = c.call(relay(1, "missing", StringValue.of("?").toByteString(), 0));
      assertThat(reply.getStatus()).isEqualTo(Status.NOT_FOUND);
      assertThat(reply.getError()).contains("relayed").contains("no-such-service");
    }
  }

  @Test
  void anUnansweredInnerCallEndsAtItsDeadlineNotLater() throws Exception {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      Reply reply = c.call(relay(1, "slow", StringValue.of("?").toByteString(), 1000));
      assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
      String outcome = StringValue.parseFrom(reply.getPayload()).getValue();
      Matcher m = Pattern.compile("DEADLINE_EXCEEDED after (\\d+) ms").matcher(outcome);
      assertThat(m.matches()).as(outcome).isTrue();
      assertThat(Long.parseLong(m.group(1))).isBetween(500L, 1000L); // the inner call had ~700 ms
    }
  }
}
