package io.meshwork.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A service that holds calls (as {@code conformance/delay} does) is told when they end without an
 * answer: at their deadline, on a {@link CancelCall}, or when their connection closes ({@link
 * CancelConnection}); and then nothing it sends reaches the caller.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceHostCancelTest {
  private final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  sealed interface Command {}

  /** A call to hold until told; payload "answer" answers every held call instead. */
  record Hold(Call<ByteString, ByteString> call) implements Command {}

  record Cancelled(long callId) implements Command {}

  /**
   * Holds every call, tells {@code cancelled} of each cancellation, answers every held call (even
   * the cancelled ones) on "answer".
   */
  private static Behavior<Command> holder(ActorRef<Long> cancelled) {
    Map<Long, Call<ByteString, ByteString>> held = new HashMap<>();
    return Behaviors.setup(
        ctx ->
            Behaviors.receiveMessage(
                command -> {
                  if (command instanceof Hold hold) {
                    if (hold.call().request().toStringUtf8().equals("answer")) {
                      held.values().forEach(c -> c.reply(ByteString.copyFromUtf8("late")));
                      held.clear();
                      hold.call().reply(ByteString.copyFromUtf8("answered"));
                    } else {
                      long id = hold.call().callId();
                      held.put(id, hold.call());
                      hold.call().onCancel(ctx.getSelf(), new Cancelled(id));
                    }
                  } else if (command instanceof Cancelled c) {
                    // Kept on purpose: an answer to a cancelled call must reach nobody.
                    cancelled.tell(c.callId());
                  }
                  return Behaviors.same();
                }));
  }

  private ActorRef<Object> spawnHolder(TestProbe<Long> cancelled) {
    return testKit.spawn(
        ServiceHost.create(
            ServiceDefinition.<Command>builder("holder")
                .anyMethod(Hold::new)
                .behavior(ctx -> holder(cancelled.getRef()))
                .build(),
            new ServiceContext("node", "127.0.0.1:1", List.of("holder"), Set.of())));
  }

  private static ServiceCall call(
      TestProbe<ReplyMessage> probe, long connection, long sequence, String payload, long deadlineMs) {
    return new ServiceCall(
        connection << CancelConnection.SEQUENCE_BITS | sequence,
        "m",
        ByteString.copyFromUtf8(payload),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs),
        Map.of(),
        probe.getRef());
  }

  @Test
  void aHeldCallIsCancelledAtItsDeadlineAndNothingReachesTheCaller() {
    TestProbe<Long> cancelled = testKit.createTestProbe();
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    ActorRef<Object> host = spawnHolder(cancelled);
    long start = System.nanoTime();
    host.tell(call(probe, 1, 1, "hold", 300));
    host.tell(call(probe, 1, 2, "hold", 60_000));

    assertThat(cancelled.receiveMessage(Duration.ofSeconds(5))).isEqualTo(1L << 24 | 1);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    cancelled.expectNoMessage(Duration.ofMillis(200)); // the other call still waits
    host.tell(call(probe, 9, 1, "answer", 5_000));
    // The held call with time left is answered, and the answer call; the cancelled one is not.
    assertThat(results(probe, 2)).extracting(CallResult::callId)
        .containsExactlyInAnyOrder(1L << 24 | 2, 9L << 24 | 1);
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aCancelCallReachesTheServiceHoldingTheCall() {
    TestProbe<Long> cancelled = testKit.createTestProbe();
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    ActorRef<Object> host = spawnHolder(cancelled);
    host.tell(call(probe, 1, 1, "hold", 60_000));
    host.tell(call(probe, 1, 2, "hold", 60_000));
    host.tell(new CancelCall(1L << 24 | 2, probe.getRef(), "the deadline passed"));
    assertThat(cancelled.receiveMessage(Duration.ofSeconds(5))).isEqualTo(1L << 24 | 2);
    cancelled.expectNoMessage(Duration.ofMillis(200));
    // A cancel for a call of another reply path, or one already gone, changes nothing.
    host.tell(new CancelCall(1L << 24 | 1, testKit.<ReplyMessage>createTestProbe().getRef(), "x"));
    host.tell(new CancelCall(1L << 24 | 2, probe.getRef(), "again"));
    cancelled.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aClosedConnectionCancelsEveryCallOfItsAndNoneOfTheOthers() {
    TestProbe<Long> cancelled = testKit.createTestProbe();
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    TestProbe<ReplyMessage> otherNode = testKit.createTestProbe();
    ActorRef<Object> host = spawnHolder(cancelled);
    for (int i = 1; i <= 3; i++) {
      host.tell(call(probe, 4, i, "hold", 60_000));
      host.tell(call(probe, 5, i, "hold", 60_000));
      host.tell(call(otherNode, 4, 10 + i, "hold", 60_000));
    }
    host.tell(new CancelConnection(probe.getRef(), 4, "the connection closed"));
    assertThat(List.of(cancelled.receiveMessage(), cancelled.receiveMessage(), cancelled.receiveMessage()))
        .containsExactlyInAnyOrder(4L << 24 | 1, 4L << 24 | 2, 4L << 24 | 3);
    cancelled.expectNoMessage(Duration.ofMillis(200));
    host.tell(call(probe, 9, 1, "answer", 5_000));
    // The calls still held are answered; none of connection 4 on probe's path.
    assertThat(results(probe, 4)).extracting(r -> CancelConnection.connectionOf(r.callId()))
        .containsExactlyInAnyOrder(5L, 5L, 5L, 9L);
    assertThat(results(otherNode, 3)).extracting(CallResult::status).containsOnly(Status.OK);
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  private static List<CallResult> results(TestProbe<ReplyMessage> probe, int count) {
    List<CallResult> results = new java.util.ArrayList<>();
    while (results.size() < count) {
      ReplyMessage m = probe.receiveMessage(Duration.ofSeconds(5));
      if (m instanceof CallResultBatch batch) {
        results.addAll(batch.results());
      } else {
        results.add((CallResult) m);
      }
    }
    return results;
  }
}
