package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ServiceCall;
import io.meshwork.service.internal.ServiceCallBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PendingCallsTest {
  private final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private ServiceCall call(long id, int payloadBytes, TestProbe<ReplyMessage> replies) {
    return new ServiceCall(
        id, "m", ByteString.copyFrom(new byte[payloadBytes]), 0, Map.of(), replies.getRef());
  }

  private static List<ServiceCall> calls(CallMessage message) {
    return message instanceof ServiceCallBatch batch
        ? batch.calls()
        : List.of((ServiceCall) message);
  }

  @Test
  void callsLeaveInOrderInMessagesUnderTheByteLimitAndTheCountLimit() {
    TestProbe<CallMessage> instance = testKit.createTestProbe();
    TestProbe<ReplyMessage> replies = testKit.createTestProbe();
    long maxBytes = 100_000;
    PendingCalls pending = new PendingCalls(instance.getRef(), maxBytes);
    int n = 1_000;
    for (int i = 1; i <= n; i++) {
      pending.add(call(i, i % 7 == 0 ? 60_000 : 100, replies));
    }
    pending.send();
    List<Long> ids = new ArrayList<>();
    while (ids.size() < n) {
      List<ServiceCall> batch = calls(instance.receiveMessage());
      assertThat(batch.size()).isLessThanOrEqualTo(PendingCalls.MAX_CALLS);
      long bytes = batch.stream().mapToLong(PendingCalls::estimatedSize).sum();
      assertThat(bytes).isLessThanOrEqualTo(maxBytes);
      batch.forEach(c -> ids.add(c.callId()));
    }
    assertThat(ids)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, n).boxed().toList());
    pending.send(); // nothing left: sends nothing
    instance.expectNoMessage(java.time.Duration.ofMillis(50));
  }

  @Test
  void aCallLargerThanTheLimitStillTravelsAlone() {
    TestProbe<CallMessage> instance = testKit.createTestProbe();
    TestProbe<ReplyMessage> replies = testKit.createTestProbe();
    PendingCalls pending = new PendingCalls(instance.getRef(), 1_000);
    pending.add(call(1, 10, replies));
    pending.add(call(2, 5_000, replies));
    pending.add(call(3, 10, replies));
    pending.send();
    assertThat(calls(instance.receiveMessage())).extracting(ServiceCall::callId).containsExactly(1L);
    assertThat(calls(instance.receiveMessage())).extracting(ServiceCall::callId).containsExactly(2L);
    assertThat(calls(instance.receiveMessage())).extracting(ServiceCall::callId).containsExactly(3L);
  }
}
