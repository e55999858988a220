package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.PubsubStatsReply;
import io.meshwork.protocol.services.v1.PubsubStatsRequest;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pubsub service on two nodes that both host it, over real connections. The nodes' bounds are
 * lowered (meshwork.pubsub: 200 topics, 5 subscribers per topic) so that a test can pass them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PubsubTest {
  private static final int MAX_TOPICS = 200;
  private static final int MAX_SUBSCRIBERS_PER_TOPIC = 5;
  private static final Map<String, Object> BOUNDS =
      Map.of(
          "meshwork.pubsub.max-topics", MAX_TOPICS,
          "meshwork.pubsub.max-subscribers-per-topic", MAX_SUBSCRIBERS_PER_TOPIC);

  private final TestNodes nodes = new TestNodes();
  private MeshNode a;
  private MeshNode b;

  @BeforeAll
  void start() {
    a = nodes.start("pubsub,echo", null, BOUNDS);
    b = nodes.start("pubsub", a, BOUNDS);
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

  /** A subscription that may wait long for its first message (a stream's deadline bounds that). */
  private static Request patientSubscribe(long id, String topic) {
    return subscribe(id, topic).toBuilder().setDeadlineMs(120_000).build();
  }

  /** The topics and subscribers of the node {@code c} is connected to. */
  private static PubsubStatsReply stats(WireConnection c) {
    Reply reply =
        c.call(
            Request.newBuilder()
                .setId(9_000_000)
                .setService("pubsub")
                .setMethod("stats")
                .setPayload(PubsubStatsRequest.getDefaultInstance().toByteString())
                .build());
    assertThat(reply.getStatus()).isEqualTo(Status.OK);
    try {
      return PubsubStatsReply.parseFrom(reply.getPayload());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitTopics(WireConnection c, int topics, int subscribers) {
    try {
      Poll.until(
          Duration.ofSeconds(15),
          "the node holds " + topics + " topics and " + subscribers + " subscribers",
          () -> {
            PubsubStatsReply stats = stats(c);
            return stats.getTopics() == topics && stats.getSubscribers() == subscribers;
          });
    } catch (AssertionError e) {
      PubsubStatsReply stats = stats(c);
      throw new AssertionError(
          e.getMessage() + " (it holds " + stats.getTopics() + " and " + stats.getSubscribers() + ")", e);
    }
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

  @Test
  void aClientNamingThousandsOfTopicsIsRefusedPastTheBoundWhileAGoodClientIsServed() throws Exception {
    int topicsOnA;
    try (WireConnection statsOnA = new WireConnection(TestNodes.endpoint(a))) {
      topicsOnA = stats(statsOnA).getTopics();
    }
    try (WireConnection statsOnA = new WireConnection(TestNodes.endpoint(a));
        WireConnection statsOnB = new WireConnection(TestNodes.endpoint(b));
        WireConnection good = new WireConnection(TestNodes.endpoint(b));
        WireConnection publisher = new WireConnection(TestNodes.endpoint(a))) {
      // Other tests' subscriptions may linger: a client that closed with FIN still gets its
      // stream until the node next writes to it. Counted from here.
      PubsubStatsReply before = stats(statsOnB);
      int topics = before.getTopics();
      int subscribers = before.getSubscribers();
      good.write(patientSubscribe(1, "good/news")).flush();
      awaitSubscribed(publisher, good, "good/news");
      drain(good);
      awaitTopics(statsOnB, topics + 1, subscribers + 1);

      int subscriptions = 3000;
      int accepted = MAX_TOPICS - topics - 1;
      try (WireConnection hostile = new WireConnection(TestNodes.endpoint(b))) {
        // Thousands of subscriptions to new topics, then thousands of publishes to others. (More
        // than max-in-flight-per-connection at once: the node reads on as refusals go out.)
        for (int i = 0; i < subscriptions; i++) {
          hostile.write(patientSubscribe(i + 1, "junk/" + i));
        }
        hostile.flush();
        for (int i = 0; i < subscriptions - accepted; i++) {
          Reply refused = hostile.read();
          assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
          assertThat(refused.getError())
              .isEqualTo("the node has " + MAX_TOPICS + " topics (meshwork.pubsub.max-topics)");
        }
        for (int i = 0; i < 5000; i++) {
          hostile.write(publish(100_000 + i, "nobody/" + i, ByteString.copyFromUtf8("x")));
        }
        hostile.flush();
        for (int i = 0; i < 5000; i++) {
          assertThat(hostile.read().getStatus()).isEqualTo(Status.OK);
        }
        assertThat(hostile.readWithin(Duration.ofMillis(300))).as("no other reply").isNull();
        PubsubStatsReply flooded = stats(statsOnB);
        assertThat(flooded.getTopics()).isEqualTo(MAX_TOPICS);
        assertThat(flooded.getSubscribers()).isEqualTo(subscribers + 1 + accepted);
        assertThat(flooded.getMaxTopics()).isEqualTo(MAX_TOPICS);
        assertThat(stats(statsOnA).getTopics()).as("topics on the publishers' node").isEqualTo(topicsOnA);

        // The good subscriber, subscribed before the flood, gets every message from another node.
        for (int i = 0; i < 50; i++) {
          assertThat(publisher.call(publish(i + 1, "good/news", ByteString.copyFromUtf8("n" + i))).getStatus())
              .isEqualTo(Status.OK);
        }
        for (int i = 0; i < 50; i++) {
          Reply r = good.read();
          assertThat(r.getStatus()).isEqualTo(Status.OK);
          assertThat(TopicMessage.parseFrom(r.getPayload()).getData().toStringUtf8()).isEqualTo("n" + i);
        }
        // The hostile client goes (a reset, as when it crashes): its topics go with their only
        // subscribers.
        hostile.abort();
        awaitTopics(statsOnB, topics + 1, subscribers + 1);
      }
      good.abort();
      awaitTopics(statsOnB, topics, subscribers);
    }
  }

  @Test
  void aSubscriberPastMaxSubscribersPerTopicIsOverloadedNamingTheSetting() {
    List<WireConnection> subscribers = new ArrayList<>();
    try (WireConnection statsOnA = new WireConnection(TestNodes.endpoint(a))) {
      PubsubStatsReply before = stats(statsOnA);
      int topics = before.getTopics();
      int others = before.getSubscribers();
      for (int i = 0; i < MAX_SUBSCRIBERS_PER_TOPIC; i++) {
        WireConnection c = new WireConnection(TestNodes.endpoint(a));
        subscribers.add(c);
        c.write(patientSubscribe(1, "crowded")).flush();
      }
      awaitTopics(statsOnA, topics + 1, others + MAX_SUBSCRIBERS_PER_TOPIC);
      try (WireConnection late = new WireConnection(TestNodes.endpoint(a))) {
        Reply refused = late.call(patientSubscribe(1, "crowded"));
        assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
        assertThat(refused.getError())
            .isEqualTo(
                "topic \"crowded\" has " + MAX_SUBSCRIBERS_PER_TOPIC
                    + " subscribers on this node (meshwork.pubsub.max-subscribers-per-topic)");
        subscribers.remove(0).abort();
        awaitTopics(statsOnA, topics + 1, others + MAX_SUBSCRIBERS_PER_TOPIC - 1);
        late.write(patientSubscribe(2, "crowded")).flush(); // room again
        awaitTopics(statsOnA, topics + 1, others + MAX_SUBSCRIBERS_PER_TOPIC);
        late.abort();
      }
      subscribers.forEach(WireConnection::abort);
      subscribers.clear();
      awaitTopics(statsOnA, topics, others); // the topic went with its last subscriber
    } finally {
      subscribers.forEach(WireConnection::close);
    }
  }

  @Test
  void aTopicNameLongerThanMaxTopicLengthIsBadRequestNamingTheSetting() {
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      Reply tooLong = c.call(subscribe(1, "t".repeat(201)));
      assertThat(tooLong.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(tooLong.getError())
          .isEqualTo("topic: 201 characters (expected: at most 200, meshwork.pubsub.max-topic-length)");
    }
  }
}
