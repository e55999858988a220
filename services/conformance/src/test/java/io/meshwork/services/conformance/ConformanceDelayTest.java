package io.meshwork.services.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.DelayRequest;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.CancelConnection;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ServiceCall;
import io.meshwork.service.internal.ServiceHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code delay} holds a call only while its caller waits: a call whose deadline passes, or whose
 * connection closes, is dropped with its payload, however long the delay it asked for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceDelayTest {
  /** A 60 s delay with a 1 MiB payload, encoded once. */
  private static final ByteString LONG_DELAY =
      DelayRequest.newBuilder()
          .setDelayMs(60_000)
          .setPayload(ByteString.copyFrom(new byte[1024 * 1024]))
          .build()
          .toByteString();

  private final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private ActorRef<Object> spawnConformance() {
    return testKit.spawn(
        ServiceHost.create(
            new ConformanceService().definition(),
            new ServiceContext("node", "127.0.0.1:1", List.of("conformance"), Set.of())));
  }

  private static ServiceCall delay(
      TestProbe<ReplyMessage> probe, long connection, long sequence, int delayMs, long deadlineMs) {
    return new ServiceCall(
        connection << CancelConnection.SEQUENCE_BITS | sequence,
        "delay",
        delayMs == 60_000 ? LONG_DELAY : DelayRequest.newBuilder().setDelayMs(delayMs).build().toByteString(),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs),
        Map.of(),
        probe.getRef());
  }

  private int held(ActorRef<Object> conformance) {
    TestProbe<Integer> count = testKit.createTestProbe();
    conformance.tell(new ConformanceActor.CountHeld(count.getRef()));
    return count.receiveMessage(Duration.ofSeconds(5));
  }

  /** Polls until the instance holds {@code expected} calls (cancellations arrive as messages). */
  private int awaitHeld(ActorRef<Object> conformance, int expected, TestProbe<?> idle) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    int held = held(conformance);
    while (held != expected && System.nanoTime() < giveUp) {
      idle.expectNoMessage(Duration.ofMillis(50));
      held = held(conformance);
    }
    return held;
  }

  @Test
  void delayedCallsAreDroppedAtTheirDeadlineNotAtTheEndOfTheirDelay() {
    ActorRef<Object> conformance = spawnConformance();
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    for (int i = 1; i <= 50; i++) {
      conformance.tell(delay(probe, 1, i, 60_000, 1_500));
    }
    conformance.tell(delay(probe, 1, 51, 60_000, 60_000));
    assertThat(held(conformance)).isEqualTo(51);
    // Within seconds of the 1.5 s deadline, not after 60 s: only the patient call is left.
    assertThat(awaitHeld(conformance, 1, probe))
        .as("calls held 5 s after their 1.5 s deadline")
        .isEqualTo(1);
  }

  @Test
  void aClosedConnectionsDelayedCallsAreDroppedAndTheOthersAnswered() {
    ActorRef<Object> conformance = spawnConformance();
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    for (int i = 1; i <= 5; i++) {
      conformance.tell(delay(probe, 1, i, 60_000, 60_000));
    }
    conformance.tell(delay(probe, 2, 1, 500, 60_000));
    assertThat(held(conformance)).isEqualTo(6);
    conformance.tell(new CancelConnection(probe.getRef(), 1, "the connection closed"));
    assertThat(awaitHeld(conformance, 1, testKit.createTestProbe())).isEqualTo(1);
    CallResult answer = (CallResult) probe.receiveMessage(Duration.ofSeconds(5));
    assertThat(answer.callId()).isEqualTo(2L << CancelConnection.SEQUENCE_BITS | 1);
    assertThat(answer.status()).isEqualTo(Status.OK);
    assertThat(held(conformance)).isZero();
  }
}
