package io.meshwork.services.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.MeshNode;
import io.meshwork.node.routing.ServiceKeys;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.DelayRequest;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.internal.CallMessage;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Through a real node: a client pipelining long {@code conformance/delay} calls with short
 * deadlines and large payloads (what once exhausted a 512 MiB node) leaves the service holding
 * nothing once the deadlines have passed. Read from the instance's own count of held calls (this
 * test shares the service's package for that).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceReleaseTest {
  private static final int CALLS = 200;

  private final TestNodes nodes = new TestNodes();
  private MeshNode node;

  @BeforeAll
  void startNode() {
    node = nodes.start("conformance", null);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  /** The node's conformance instance, as the Receptionist lists it. */
  private ActorRef<Object> instance() throws Exception {
    Receptionist.Listing listing =
        AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                node.system().receptionist(),
                replyTo -> Receptionist.find(ServiceKeys.ALL, replyTo),
                Duration.ofSeconds(5),
                node.system().scheduler())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    for (ActorRef<CallMessage> ref : listing.getServiceInstances(ServiceKeys.ALL)) {
      if (ref.path().name().equals(ServiceKeys.actorName("conformance"))) {
        return ref.unsafeUpcast();
      }
    }
    throw new AssertionError("no conformance instance in " + listing);
  }

  private int held(ActorRef<Object> conformance) throws Exception {
    return AskPattern.<Object, Integer>ask(
            conformance,
            ConformanceActor.CountHeld::new,
            Duration.ofSeconds(5),
            node.system().scheduler())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void delayedCallsPastTheirDeadlineAreReleasedWithTheirPayloads() throws Exception {
    ActorRef<Object> conformance = instance();
    ByteString request =
        DelayRequest.newBuilder()
            .setDelayMs(60_000)
            .setPayload(ByteString.copyFrom(new byte[256 * 1024]))
            .build()
            .toByteString();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(node))) {
      for (int id = 1; id <= CALLS; id++) {
        c.write(
            Request.newBuilder()
                .setId(id)
                .setService("conformance")
                .setMethod("delay")
                .setDeadlineMs(id == CALLS ? 60_000 : 300)
                .setPayload(request)
                .build());
      }
      c.flush();
      for (int i = 1; i < CALLS; i++) {
        assertThat(c.read().getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
      }
      // Only the call with a 60 s deadline is left, however long the others asked to wait: the
      // node holds none of their 50 MB past their deadlines.
      int[] last = new int[1];
      Poll.until(
          Duration.ofSeconds(5),
          "conformance holds only the call whose deadline has not passed",
          () -> (last[0] = heldOrFail(conformance)) == 1);
      System.out.printf(
          "ConformanceReleaseTest: %d calls of 256 KiB sent, %d held after the deadlines%n",
          CALLS, last[0]);
    }
  }

  private int heldOrFail(ActorRef<Object> conformance) {
    try {
      return held(conformance);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
