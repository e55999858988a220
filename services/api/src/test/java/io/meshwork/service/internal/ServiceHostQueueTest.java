package io.meshwork.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.CallerIdentity;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The queue a host keeps for a {@code blocking()} service: calls taken round-robin per caller,
 * bounded, and dropped when cancelled. The service under test blocks on a gate while the calls
 * pile up, so that what is queued, and in which order it is taken, is exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceHostQueueTest {
  private final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A blocking service that records what it handles; a call with payload "gate" waits. */
  private final class Worker {
    final ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
    final ActorRef<Object> host;

    Worker(QueueLimits limits) {
      host =
          testKit.spawn(
              ServiceHost.create(
                  ServiceDefinition.<Call<ByteString, ByteString>>builder("work")
                      .anyMethod(call -> call)
                      .behavior(
                          ctx ->
                              Behaviors.receiveMessage(
                                  call -> {
                                    String text = call.request().toStringUtf8();
                                    if (text.equals("gate")) {
                                      entered.countDown();
                                      gate.await(10, TimeUnit.SECONDS);
                                    }
                                    handled.add(text);
                                    call.reply(call.request());
                                    return Behaviors.same();
                                  }))
                      .blocking()
                      .build(),
                  new ServiceContext("node", "127.0.0.1:1", List.of("work"), Set.of()),
                  limits));
    }

    /** Makes the service wait on its gate, so that the calls sent next are queued. */
    void close(TestProbe<ReplyMessage> probe) throws InterruptedException {
      host.tell(call(probe, 99, 1, "gate", 10_000, Map.of()));
      assertThat(entered.await(10, TimeUnit.SECONDS)).as("the service took the gate call").isTrue();
    }
  }

  private static ServiceCall call(
      TestProbe<ReplyMessage> probe,
      long connection,
      long sequence,
      String payload,
      long deadlineMs,
      Map<String, String> headers) {
    return new ServiceCall(
        connection << CancelConnection.SEQUENCE_BITS | sequence,
        "m",
        ByteString.copyFromUtf8(payload),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs),
        headers,
        probe.getRef());
  }

  private static List<CallResult> results(TestProbe<ReplyMessage> probe, int count) {
    List<CallResult> results = new ArrayList<>();
    while (results.size() < count) {
      ReplyMessage m = probe.receiveMessage(Duration.ofSeconds(10));
      if (m instanceof CallResultBatch batch) {
        results.addAll(batch.results());
      } else {
        results.add((CallResult) m);
      }
    }
    return results;
  }

  @Test
  void aFloodFromOneConnectionDelaysAnotherConnectionsCallByAtMostOneCall() throws Exception {
    Worker worker = new Worker(QueueLimits.DEFAULT);
    TestProbe<ReplyMessage> flood = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    worker.close(flood);
    List<ServiceCall> calls = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      calls.add(call(flood, 1, i, "a" + i, 10_000, Map.of()));
    }
    worker.host.tell(new ServiceCallBatch(calls));
    worker.host.tell(call(other, 2, 1, "b1", 10_000, Map.of()));
    worker.gate.countDown();

    assertThat(results(other, 1)).extracting(CallResult::status).containsExactly(Status.OK);
    List<String> order = new ArrayList<>(worker.handled);
    // The gate call, at most one call of the flood, then the other connection's call.
    assertThat(order.indexOf("b1")).as("position of b1 in %s", order).isBetween(1, 2);
    results(flood, 201); // every call of the flood is answered too, in its own order
    assertThat(new ArrayList<>(worker.handled).subList(1, 202)).filteredOn(s -> s.startsWith("a"))
        .containsExactlyElementsOf(calls.stream().map(c -> c.payload().toStringUtf8()).toList());
  }

  @Test
  void anAuthenticatedClientIsOneCallerHoweverManyConnectionsItUses() throws Exception {
    Worker worker = new Worker(QueueLimits.DEFAULT);
    TestProbe<ReplyMessage> flood = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    worker.close(flood);
    Map<String, String> mallory = Map.of(CallerIdentity.HEADER, "mallory");
    for (int connection = 1; connection <= 50; connection++) {
      for (int i = 1; i <= 4; i++) {
        worker.host.tell(call(flood, connection, i, "m" + connection + "." + i, 10_000, mallory));
      }
    }
    worker.host.tell(call(other, 77, 1, "alice", 10_000, Map.of(CallerIdentity.HEADER, "alice")));
    worker.gate.countDown();

    assertThat(results(other, 1)).extracting(CallResult::status).containsExactly(Status.OK);
    List<String> order = new ArrayList<>(worker.handled);
    assertThat(order.indexOf("alice")).as("position of alice in %s", order).isBetween(1, 2);
  }

  @Test
  void pastTheBoundTheFloodIsShedAndANewcomerDisplacesTheFloodsNewestCall() throws Exception {
    Worker worker = new Worker(new QueueLimits(10, 1_000_000));
    TestProbe<ReplyMessage> flood = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    worker.close(flood);
    // Queued when the service is done with the gate call, in this order.
    for (int i = 1; i <= 15; i++) {
      worker.host.tell(call(flood, 1, i, "a" + i, 10_000, Map.of()));
    }
    worker.host.tell(call(other, 2, 1, "b1", 10_000, Map.of()));
    worker.gate.countDown();

    assertThat(results(other, 1)).extracting(CallResult::status).containsExactly(Status.OK);
    List<CallResult> floodResults = results(flood, 16); // the gate call and a1 to a15
    List<CallResult> shed =
        floodResults.stream().filter(r -> r.status() == Status.OVERLOADED).toList();
    // a11 to a15 found the queue full; then b1 displaced a10, the flood's newest.
    assertThat(shed).extracting(r -> r.callId() & 0xffffff).containsExactly(11L, 12L, 13L, 14L, 15L, 10L);
    assertThat(shed.get(0).error())
        .isEqualTo(
            "work: 10 calls are queued on this node (meshwork.service-queue.max-calls: 10);"
                + " the node sheds from the callers with the most");
    assertThat(floodResults).filteredOn(r -> r.status() == Status.OK).hasSize(10);
    assertThat(worker.handled).doesNotContain("a10", "a11", "a15").contains("a1", "a9", "b1");
  }

  @Test
  void queuedPayloadBytesAreBoundedAndTheAnswerNamesTheSetting() throws Exception {
    Worker worker = new Worker(new QueueLimits(1000, 100));
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    worker.close(probe);
    worker.host.tell(call(probe, 1, 1, "x".repeat(60), 10_000, Map.of()));
    worker.host.tell(call(probe, 1, 2, "y".repeat(60), 10_000, Map.of()));
    worker.host.tell(call(probe, 1, 3, "z".repeat(101), 10_000, Map.of()));
    worker.gate.countDown();
    List<CallResult> results = results(probe, 4);
    List<CallResult> shed = results.stream().filter(r -> r.status() == Status.OVERLOADED).toList();
    assertThat(shed).extracting(r -> r.callId() & 0xffffff).containsExactly(2L, 3L);
    assertThat(shed.get(0).error())
        .isEqualTo(
            "work: 60 bytes of requests are queued on this node (meshwork.service-queue.max-bytes:"
                + " 100 bytes); the node sheds from the callers with the most");
    assertThat(shed.get(1).error())
        .isEqualTo(
            "work: a request of 101 bytes is larger than all the queue may hold"
                + " (meshwork.service-queue.max-bytes: 100 bytes)");
    assertThat(worker.handled).containsExactly("gate", "x".repeat(60));
  }

  @Test
  void aCancelledCallAndACancelledConnectionsCallsAreDroppedFromTheQueue() throws Exception {
    Worker worker = new Worker(QueueLimits.DEFAULT);
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    worker.close(probe);
    for (int i = 1; i <= 3; i++) {
      worker.host.tell(call(probe, 1, i, "a" + i, 10_000, Map.of()));
      worker.host.tell(call(probe, 2, i, "c" + i, 10_000, Map.of()));
      worker.host.tell(call(other, 2, i, "o" + i, 10_000, Map.of())); // connection 2 of another path
    }
    worker.host.tell(new CancelCall(1L << 24 | 2, probe.getRef(), "the deadline passed"));
    worker.host.tell(new CancelConnection(probe.getRef(), 2, "the connection closed"));
    worker.gate.countDown();

    List<CallResult> answered = results(probe, 3); // the gate call, a1 and a3
    assertThat(results(other, 3)).extracting(CallResult::status).containsOnly(Status.OK);
    probe.expectNoMessage(Duration.ofMillis(200));
    assertThat(answered).extracting(CallResult::callId)
        .containsExactlyInAnyOrder(99L << 24 | 1, 1L << 24 | 1, 1L << 24 | 3);
    assertThat(worker.handled).containsExactlyInAnyOrder("gate", "a1", "a3", "o1", "o2", "o3");
  }

  @Test
  void aCallWhoseDeadlinePassedWhileQueuedIsNotHandled() throws Exception {
    Worker worker = new Worker(QueueLimits.DEFAULT);
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    worker.close(probe);
    ServiceCall late = call(probe, 1, 1, "late", 50, Map.of());
    worker.host.tell(late);
    worker.host.tell(call(probe, 1, 2, "in-time", 10_000, Map.of()));
    while (System.nanoTime() - late.deadlineNanos() < 0) {
      Thread.onSpinWait(); // the deadline passes while the service is busy
    }
    worker.gate.countDown();
    assertThat(results(probe, 2)).extracting(CallResult::callId)
        .containsExactlyInAnyOrder(99L << 24 | 1, 1L << 24 | 2);
    probe.expectNoMessage(Duration.ofMillis(200));
    assertThat(worker.handled).containsExactly("gate", "in-time");
  }
}
