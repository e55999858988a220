package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code hash} is one instance per node handling one call at a time: its callers are served in
 * turn, so a client that floods it cannot keep another client waiting past its deadline; and a
 * request's cost is capped ({@code meshwork.hash.max-iterations}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HashFairnessTest {
  private static final int MAX_ITERATIONS = 300_000;

  /** Tens of milliseconds of one core per call. */
  private static final Pbkdf2Request COSTLY =
      Pbkdf2Request.newBuilder()
          .setPassword(ByteString.copyFromUtf8("correct horse battery staple"))
          .setSalt(ByteString.copyFromUtf8("fairness-salt"))
          .setIterations(200_000)
          .build();

  /** Calls the flooding client keeps unanswered: many times one call's work. */
  private static final int FLOOD_DEPTH = 128;

  private static final int PATIENT_CALLS = 10;
  private static final int PATIENT_DEADLINE_MS = 3_000;

  private final TestNodes nodes = new TestNodes();
  private InetSocketAddress address;

  @BeforeAll
  void startNode() {
    MeshNode node =
        nodes.start("hash", null, Map.of("meshwork.hash.max-iterations", MAX_ITERATIONS));
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  private static Request pbkdf2(long id, Pbkdf2Request request, int deadlineMs) {
    return Request.newBuilder()
        .setId(id)
        .setService("hash")
        .setMethod("pbkdf2")
        .setDeadlineMs(deadlineMs)
        .setPayload(request.toByteString())
        .build();
  }

  @Test
  void aFloodOfPbkdf2CallsFromOneClientDoesNotKeepAnotherClientPastItsDeadline() throws Exception {
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicLong sent = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    List<String> floodFailures = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> flood =
        CompletableFuture.runAsync(
            () -> {
              try (WireConnection c = new WireConnection(address)) {
                long id = 0;
                for (int i = 0; i < FLOOD_DEPTH; i++) {
                  c.write(pbkdf2(++id, COSTLY, 120_000));
                  sent.incrementAndGet();
                }
                c.flush();
                while (answered.get() < sent.get()) {
                  Reply reply = c.read();
                  answered.incrementAndGet();
                  if (reply.getStatus() != Status.OK) {
                    floodFailures.add(reply.getStatus() + " " + reply.getError());
                  }
                  if (flooding.get()) {
                    c.write(pbkdf2(++id, COSTLY, 120_000)).flush();
                    sent.incrementAndGet();
                  }
                }
              }
            });
    List<Long> latenciesMs = new ArrayList<>();
    long floodQueuedMin = Long.MAX_VALUE;
    try {
      try (WireConnection patient = new WireConnection(address)) {
        // The flood is in: its first call is answered, and the rest of it waits.
        Poll.until(
            Duration.ofSeconds(30),
            "the flood's first answer",
            () -> answered.get() > 0 || flood.isDone());
        for (int i = 1; i <= PATIENT_CALLS; i++) {
          floodQueuedMin = Math.min(floodQueuedMin, sent.get() - answered.get());
          long start = System.nanoTime();
          Reply reply = patient.call(pbkdf2(i, COSTLY, PATIENT_DEADLINE_MS));
          latenciesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
          assertThat(reply.getStatus()).as("call %d: %s", i, reply.getError()).isEqualTo(Status.OK);
        }
      }
    } finally {
      flooding.set(false);
    }
    flood.get(120, TimeUnit.SECONDS);
    System.out.printf(
        "HashFairnessTest: the patient client's calls took %s ms while the flood kept at least %d"
            + " calls unanswered (%d answered in all)%n",
        latenciesMs, floodQueuedMin, answered.get());
    assertThat(floodQueuedMin).as("flood calls waiting meanwhile").isGreaterThan(FLOOD_DEPTH / 2);
    assertThat(latenciesMs).allMatch(ms -> ms < PATIENT_DEADLINE_MS);
    assertThat(floodFailures).as("the flood is served too, only in turn").isEmpty();
  }

  @Test
  void pbkdf2PastTheConfiguredIterationCapIsBadRequestNamingTheCap() {
    try (WireConnection c = new WireConnection(address)) {
      Reply reply = c.call(pbkdf2(1, COSTLY.toBuilder().setIterations(MAX_ITERATIONS + 1).build(), 5_000));
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError())
          .isEqualTo(
              "pbkdf2: iterations: 300001 (expected: 1 to 300000, the node's"
                  + " meshwork.hash.max-iterations)");
      Reply atCap =
          c.call(pbkdf2(2, COSTLY.toBuilder().setIterations(MAX_ITERATIONS).setKeyBytes(1).build(), 30_000));
      assertThat(atCap.getStatus()).as(atCap.getError()).isEqualTo(Status.OK);
    }
  }
}
