package io.meshwork.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** How a hosted instance batches its replies. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceHostBatchTest {
  // Artery's largest frame as a node would have it (smaller here): reply batches must fit in it.
  private final ActorTestKit testKit =
      ActorTestKit.create(
          ConfigFactory.parseString("pekko.remote.artery.advanced.maximum-frame-size = 256 KiB"));

  private final ActorRef<Object> echo =
      testKit.spawn(
          ServiceHost.create(
              ServiceDefinition.<Call<ByteString, ByteString>>builder("echo")
                  .anyMethod(call -> call)
                  .behavior(
                      ctx ->
                          Behaviors.receiveMessage(
                              call -> {
                                call.reply(call.request());
                                return Behaviors.same();
                              }))
                  .build(),
              new ServiceContext("node", "127.0.0.1:1", List.of("echo"), Set.of())));

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private static List<CallResult> results(Object message) {
    if (message instanceof CallResultBatch batch) {
      return batch.results();
    }
    return List.of((CallResult) message);
  }

  private void callAll(TestProbe<ReplyMessage> probe, int count, int payloadBytes) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<ServiceCall> calls = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      calls.add(
          new ServiceCall(
              i, "m", ByteString.copyFrom(new byte[payloadBytes]), deadline, Map.of(), probe.getRef()));
    }
    echo.tell(new ServiceCallBatch(calls));
  }

  @Test
  void smallRepliesToOneBatchLeaveAsOneMessage() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    callAll(probe, 50, 10);
    List<CallResult> results = results(probe.receiveMessage());
    assertThat(results).extracting(CallResult::callId).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());
    assertThat(results).extracting(CallResult::status).containsOnly(Status.OK);
    probe.expectNoMessage(java.time.Duration.ofMillis(100));
  }

  @Test
  void largeRepliesAreSplitSoThatEveryMessageFitsAnArteryFrame() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    callAll(probe, 12, 70 * 1024); // 840 KiB of replies; a frame holds 256 KiB
    List<Long> ids = new ArrayList<>();
    while (ids.size() < 12) {
      List<CallResult> results = results(probe.receiveMessage());
      long bytes = results.stream().mapToLong(r -> r.payload().size()).sum();
      assertThat(bytes).isLessThanOrEqualTo(256 * 1024 - 64 * 1024);
      assertThat(results.size()).isGreaterThan(1); // still batched: two 70 KiB replies fit
      results.forEach(r -> ids.add(r.callId()));
    }
    assertThat(ids).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 12).boxed().toList());
  }
}
