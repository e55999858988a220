package io.meshwork.services.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshwork.protocol.services.v1.PubsubStatsReply;
import io.meshwork.protocol.services.v1.PubsubStatsRequest;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.CallResultBatch;
import io.meshwork.service.internal.CancelCall;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ServiceCall;
import io.meshwork.service.internal.ServiceHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One pubsub instance, hosted as a node hosts it, with no cluster: its topics and bounds. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicsTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final AtomicLong ids = new AtomicLong();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private ActorRef<Object> instance(int maxTopics, int maxSubscribersPerTopic, int maxTopicLength) {
    return testKit.spawn(
        ServiceHost.create(
            PubsubService.definition(
                new PubsubSettings(maxTopics, maxSubscribersPerTopic, maxTopicLength)),
            new ServiceContext("node", "127.0.0.1:1", List.of("pubsub"), Set.of())));
  }

  private long call(ActorRef<Object> instance, String method, Message request, TestProbe<ReplyMessage> replyTo) {
    long id = ids.incrementAndGet();
    instance.tell(
        new ServiceCall(
            id,
            method,
            request.toByteString(),
            System.nanoTime() + TimeUnit.SECONDS.toNanos(30),
            Map.of(),
            replyTo.getRef()));
    return id;
  }

  private long subscribe(ActorRef<Object> instance, String topic, TestProbe<ReplyMessage> replyTo) {
    return call(instance, "subscribe", SubscribeRequest.newBuilder().setTopic(topic).build(), replyTo);
  }

  private CallResult publish(ActorRef<Object> instance, String topic, String data) {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    call(
        instance,
        "publish",
        PublishRequest.newBuilder().setTopic(topic).setData(ByteString.copyFromUtf8(data)).build(),
        probe);
    return next(probe);
  }

  private PubsubStatsReply stats(ActorRef<Object> instance) {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    call(instance, "stats", PubsubStatsRequest.getDefaultInstance(), probe);
    CallResult result = next(probe);
    assertThat(result.status()).isEqualTo(Status.OK);
    try {
      return PubsubStatsReply.parseFrom(result.payload());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** Waits until the instance holds this many topics and subscribers. */
  private void awaitStats(ActorRef<Object> instance, int topics, int subscribers) {
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(5),
            () -> {
              PubsubStatsReply stats = stats(instance);
              assertThat(stats.getTopics()).as("topics").isEqualTo(topics);
              assertThat(stats.getSubscribers()).as("subscribers").isEqualTo(subscribers);
              return null;
            });
  }

  private static CallResult next(TestProbe<ReplyMessage> probe) {
    List<CallResult> results = results(probe.receiveMessage(Duration.ofSeconds(5)));
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  private static List<CallResult> results(ReplyMessage message) {
    return message instanceof CallResultBatch batch ? batch.results() : List.of((CallResult) message);
  }

  private static String item(CallResult result) throws InvalidProtocolBufferException {
    assertThat(result.status()).isEqualTo(Status.OK);
    assertThat(result.more()).isTrue();
    return TopicMessage.parseFrom(result.payload()).getData().toStringUtf8();
  }

  @Test
  void publishingToTopicsWithNoSubscribersMakesNoTopic() {
    ActorRef<Object> instance = instance(10, 10, 200);
    for (int i = 0; i < 5000; i++) {
      assertThat(publish(instance, "nobody-listens-" + i, "x").status()).isEqualTo(Status.OK);
    }
    PubsubStatsReply stats = stats(instance);
    assertThat(stats.getTopics()).isZero();
    assertThat(stats.getSubscribers()).isZero();
  }

  @Test
  void messagesReachEverySubscriberOfTheirTopicAndNoOther() throws Exception {
    ActorRef<Object> instance = instance(10, 10, 200);
    TestProbe<ReplyMessage> first = testKit.createTestProbe();
    TestProbe<ReplyMessage> second = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    subscribe(instance, "news", first);
    subscribe(instance, "news", second);
    subscribe(instance, "weather", other);
    awaitStats(instance, 2, 3);
    assertThat(publish(instance, "news", "hello").status()).isEqualTo(Status.OK);
    assertThat(item(next(first))).isEqualTo("hello");
    assertThat(item(next(second))).isEqualTo("hello");
    other.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aSubscriptionToANewTopicPastMaxTopicsIsOverloadedNamingTheSetting() {
    ActorRef<Object> instance = instance(3, 10, 200);
    List<TestProbe<ReplyMessage>> subscribers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestProbe<ReplyMessage> probe = testKit.createTestProbe();
      subscribe(instance, "t" + i, probe);
      subscribers.add(probe);
    }
    awaitStats(instance, 3, 3);
    TestProbe<ReplyMessage> refused = testKit.createTestProbe();
    subscribe(instance, "t3", refused);
    CallResult result = next(refused);
    assertThat(result.status()).isEqualTo(Status.OVERLOADED);
    assertThat(result.more()).isFalse();
    assertThat(result.error()).isEqualTo("the node has 3 topics (meshwork.pubsub.max-topics)");
    // An existing topic still takes subscribers, and publishing still works.
    TestProbe<ReplyMessage> another = testKit.createTestProbe();
    subscribe(instance, "t0", another);
    awaitStats(instance, 3, 4);
    assertThat(publish(instance, "t0", "still served").status()).isEqualTo(Status.OK);
    assertThat(results(another.receiveMessage(Duration.ofSeconds(5)))).hasSize(1);
  }

  @Test
  void aSubscriberPastMaxSubscribersPerTopicIsOverloadedNamingTheSetting() {
    ActorRef<Object> instance = instance(10, 2, 200);
    subscribe(instance, "busy", testKit.createTestProbe());
    subscribe(instance, "busy", testKit.createTestProbe());
    awaitStats(instance, 1, 2);
    TestProbe<ReplyMessage> refused = testKit.createTestProbe();
    subscribe(instance, "busy", refused);
    CallResult result = next(refused);
    assertThat(result.status()).isEqualTo(Status.OVERLOADED);
    assertThat(result.error())
        .isEqualTo(
            "topic \"busy\" has 2 subscribers on this node (meshwork.pubsub.max-subscribers-per-topic)");
    awaitStats(instance, 1, 2);
  }

  @Test
  void aTopicGoesWithItsLastCancelledSubscriberAndComesBackWithANewOne() throws Exception {
    ActorRef<Object> instance = instance(1, 10, 200);
    TestProbe<ReplyMessage> first = testKit.createTestProbe();
    TestProbe<ReplyMessage> second = testKit.createTestProbe();
    long firstId = subscribe(instance, "t", first);
    long secondId = subscribe(instance, "t", second);
    awaitStats(instance, 1, 2);
    instance.tell(new CancelCall(firstId, first.getRef(), "the client's connection closed"));
    awaitStats(instance, 1, 1);
    instance.tell(new CancelCall(secondId, second.getRef(), "the client's connection closed"));
    awaitStats(instance, 0, 0);
    // With max-topics 1, another topic is accepted only because "t" is gone.
    TestProbe<ReplyMessage> third = testKit.createTestProbe();
    subscribe(instance, "u", third);
    awaitStats(instance, 1, 1);
    assertThat(publish(instance, "t", "to nobody").status()).isEqualTo(Status.OK);
    assertThat(publish(instance, "u", "to the third").status()).isEqualTo(Status.OK);
    assertThat(item(next(third))).isEqualTo("to the third");
    first.expectNoMessage(Duration.ofMillis(200));
    second.expectNoMessage(Duration.ofMillis(10));
  }

  @Test
  void aSubscriberWhoseReplyPathStopsIsForgotten() {
    ActorRef<Object> instance = instance(10, 10, 200);
    TestProbe<ReplyMessage> gone = testKit.createTestProbe();
    TestProbe<ReplyMessage> stays = testKit.createTestProbe();
    subscribe(instance, "t", gone);
    subscribe(instance, "t", stays);
    awaitStats(instance, 1, 2);
    gone.stop(); // as the reply path of a node that left: no cancellation ever comes
    awaitStats(instance, 1, 1);
  }

  @Test
  void aTopicNameLongerThanMaxTopicLengthIsBadRequestNamingTheSetting() {
    ActorRef<Object> instance = instance(10, 10, 20);
    CallResult tooLong = publish(instance, "a".repeat(21), "x");
    assertThat(tooLong.status()).isEqualTo(Status.BAD_REQUEST);
    assertThat(tooLong.error())
        .isEqualTo("topic: 21 characters (expected: at most 20, meshwork.pubsub.max-topic-length)");
    TestProbe<ReplyMessage> refused = testKit.createTestProbe();
    subscribe(instance, "b".repeat(1_000_000), refused);
    CallResult result = next(refused);
    assertThat(result.status()).isEqualTo(Status.BAD_REQUEST);
    assertThat(result.error()).startsWith("topic: 1000000 characters");
    assertThat(publish(instance, "a".repeat(20), "x").status()).isEqualTo(Status.OK);
    assertThat(stats(instance).getTopics()).isZero();
  }

  @Test
  void settingsOutOfRangeAreRefusedNamingTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PubsubSettings(0, 1, 1))
        .hasMessage("meshwork.pubsub.max-topics: 0 (expected: 1 to 2147483647)");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PubsubSettings(1, 1, 1001))
        .hasMessage("meshwork.pubsub.max-topic-length: 1001 (expected: 1 to 1000)");
  }
}
