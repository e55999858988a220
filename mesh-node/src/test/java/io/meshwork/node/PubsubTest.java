package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The pubsub service on two nodes that both host it, over real connections. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PubsubTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;

  @BeforeAll
  void start() {
    a = nodes.start("pubsub,echo", null);
    b = nodes.start("pubsub", a);
    TestNodes.awaitUp(a, b);
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(b.system()).routingTable().services().get("pubsub").local()).hasSize(1);
          assertThat(NodeRuntime.get(a.system()).routingTable().services().get("pubsub").local()).hasSize(1);
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private static Request publish(long id, String topic, ByteString data) {
    return Request.newBuilder()
        .setId(id)
        .setService("pubsub")
        .setMethod("publish")
        .setPayload(PublishRequest.newBuilder().setTopic(topic).setData(data).build().toByteString())
        .build();
  }

  private static Request subscribe(long id, String topic) {
    return Request.newBuilder()
        .setId(id)
        .setService("pubsub")
        .setMethod("subscribe")
        .setPayload(SubscribeRequest.newBuilder().setTopic(topic).build().toByteString())
        .build();
  }

  /** Publishes "ready" probes until the subscriber sees one: its subscription has spread. */
  private static void awaitSubscribed(WireConnection publisher, WireConnection subscriber, String topic) {
    long[] id = {1_000_000};
    Poll.until(
        Duration.ofSeconds(20),
        "the subscription reaches the publisher's node",
        () -> {
          assertThat(publisher.call(publish(++id[0], topic, ByteString.copyFromUtf8("ready"))).getStatus())
              .isEqualTo(Status.OK);
          return subscriber.readWithin(Duration.ofMillis(300)) != null;
        });
  }

  /** Drops the "ready" probes still arriving at the subscribers. */
  private static void drain(WireConnection... subscribers) {
    for (WireConnection subscriber : subscribers) {
      while (subscriber.readWithin(Duration.ofMillis(300)) != null) {
        // a late probe
      }
    }
  }

  @Test
  void subscribersOnBothNodesGetEveryMessageInOrder() throws Exception {
    String topic = "orders/eu";
    try (WireConnection onA = new WireConnection(TestNodes.endpoint(a));
        WireConnection onB = new WireConnection(TestNodes.endpoint(b));
        WireConnection publisher = new WireConnection(TestNodes.endpoint(a))) {
      onA.write(subscribe(1, topic)).flush();
      onB.write(subscribe(1, topic)).flush();
      awaitSubscribed(publisher, onA, topic);
      awaitSubscribed(publisher, onB, topic);
      drain(onA, onB);
      for (int i = 0; i < 200; i++) {
        publisher.write(publish(i + 1, topic, ByteString.copyFromUtf8("m" + i)));
      }
      publisher.flush();
      for (int i = 0; i < 200; i++) {
        assertThat(publisher.read().getStatus()).isEqualTo(Status.OK);
      }
      for (WireConnection subscriber : List.of(onA, onB)) {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Reply r = subscriber.read();
          assertThat(r.getId()).isEqualTo(1);
          assertThat(r.getMore()).isTrue();
          TopicMessage m = TopicMessage.parseFrom(r.getPayload());
          assertThat(m.getTopic()).isEqualTo(topic);
          got.add(m.getData().toStringUtf8());
        }
        assertThat(got).isEqualTo(java.util.stream.IntStream.range(0, 200).mapToObj(i -> "m" + i).toList());
      }
    }
  }

  @Test
  void aSubscriberThatDoesNotReadIsDroppedWithOverloadedWhileOthersGetEverything() throws Exception {
    String topic = "firehose";
    ByteString big = ByteString.copyFrom(new byte[200 * 1024]);
    try (WireConnection slow = new WireConnection(TestNodes.endpoint(b));
        WireConnection fast = new WireConnection(TestNodes.endpoint(b));
        WireConnection publisher = new WireConnection(TestNodes.endpoint(a))) {
      slow.write(subscribe(1, topic)).flush();
      fast.write(subscribe(1, topic)).flush();
      awaitSubscribed(publisher, fast, topic);
      awaitSubscribed(publisher, slow, topic);
      drain(fast, slow);
      // 400 messages of 200 KiB (80 MiB) while "slow" reads nothing: far beyond its outbox. The
      // fast subscriber reads each message before the next is published, so it never lags.
      int n = 400;
      for (int i = 0; i < n; i++) {
        assertThat(publisher.call(publish(i + 1, topic, big)).getStatus()).isEqualTo(Status.OK);
        Reply r = fast.read();
        assertThat(r.getStatus()).isEqualTo(Status.OK);
        assertThat(r.getMore()).isTrue();
      }
      Reply last;
      int items = 0;
      do {
        last = slow.read();
        items++;
      } while (last.getMore());
      assertThat(last.getStatus()).isEqualTo(Status.OVERLOADED);
      assertThat(last.getError()).contains("did not read its replies fast enough");
      assertThat(items).isLessThan(n);
    }
  }

  @Test
  void badTopicsAndOversizeDataAreBadRequests() {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      Reply badTopic = c.call(publish(1, "no spaces allowed", ByteString.EMPTY));
      assertThat(badTopic.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(badTopic.getError()).contains("topic");
      Reply tooBig = c.call(publish(2, "t", ByteString.copyFrom(new byte[300 * 1024])));
      assertThat(tooBig.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(tooBig.getError()).contains("307200 bytes");
      Reply badSubscribe = c.call(subscribe(3, ""));
      assertThat(badSubscribe.getStatus()).isEqualTo(Status.BAD_REQUEST);
    }
  }
}
