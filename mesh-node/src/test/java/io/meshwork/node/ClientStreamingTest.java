package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import io.meshwork.client.MeshCallException;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.TickerService;
import io.meshwork.protocol.services.v1.PublishReply;
import io.meshwork.protocol.services.v1.PublishRequest;
import io.meshwork.protocol.services.v1.SubscribeRequest;
import io.meshwork.protocol.services.v1.TopicMessage;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Java client's streaming calls ({@code Flow.Publisher}) against a real node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientStreamingTest {
  private final TestNodes nodes = new TestNodes();
  private MeshNode node;
  private MeshClient client;

  @BeforeAll
  void start() throws Exception {
    node = nodes.start("echo,ticker,pubsub", null);
    TestNodes.awaitUp(node);
    client = MeshClient.connect(List.of(TestNodes.endpoint(node)), MeshClientOptions.defaults());
    Poll.until(
        Duration.ofSeconds(10),
        "echo answers",
        () -> client.call("echo", "", ByteString.copyFromUtf8("x")).join().getStatus() == Status.OK);
  }

  @AfterAll
  void stop() {
    if (client != null) {
      client.close();
    }
    nodes.close();
  }

  @BeforeEach
  void forgetCancellations() {
    TickerService.CANCELLED.clear();
  }

  /** Collects what a publisher signals; requests {@code initial} items, then one per item if told. */
  static final class Collector<T> implements Flow.Subscriber<T> {
    final List<T> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile Flow.Subscription subscription;
    private final long initial;
    private final boolean keepAsking;

    Collector(long initial, boolean keepAsking) {
      this.initial = initial;
      this.keepAsking = keepAsking;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(initial);
    }

    @Override
    public void onNext(T item) {
      items.add(item);
      if (keepAsking) {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }

    Throwable failure() throws Exception {
      try {
        done.get(30, TimeUnit.SECONDS);
        return null;
      } catch (java.util.concurrent.ExecutionException e) {
        return e.getCause();
      }
    }
  }

  @Test
  void aStreamDeliversEveryItemInOrderThenCompletes() throws Exception {
    Collector<UInt32Value> items = new Collector<>(1, true);
    client
        .stream("ticker", "count", UInt32Value.of(500), UInt32Value.parser(), Duration.ofSeconds(5), Map.of())
        .subscribe(items);
    assertThat(items.failure()).isNull();
    assertThat(items.items).hasSize(500);
    for (int i = 0; i < 500; i++) {
      assertThat(items.items.get(i).getValue()).isEqualTo(i);
    }
  }

  @Test
  void cancellingTheSubscriptionCancelsTheCallAtTheService() throws Exception {
    Collector<UInt32Value> items = new Collector<>(Long.MAX_VALUE, false);
    client
        .stream("ticker", "tick", UInt32Value.of(20), UInt32Value.parser(), Duration.ofSeconds(5), Map.of())
        .subscribe(items);
    Poll.until(Duration.ofSeconds(10), "three ticks", () -> items.items.size() >= 3);
    items.subscription.cancel();
    Poll.until(
        Duration.ofSeconds(10),
        "the ticker is told of the cancellation",
        () -> !TickerService.CANCELLED.isEmpty());
    assertThat(TickerService.CANCELLED.peek()).startsWith("tick after ");
    // No signal after the cancellation.
    assertThat(items.done).isNotDone();
  }

  @Test
  void aSubscriberThatStopsAskingIsPushedBackAndTheNodeEndsItsStreamOverloaded() throws Exception {
    // Asks for one 64 KiB item, then nothing: the client stops reading the socket, TCP pushes
    // back, and the node ends the stream once more than max-outbox-size waits for this client.
    Collector<BytesValue> slow = new Collector<>(1, false);
    client
        .stream("ticker", "flood", UInt32Value.of(64 * 1024), BytesValue.parser(), Duration.ofSeconds(5), Map.of())
        .subscribe(slow);
    Poll.until(Duration.ofSeconds(10), "the first item", () -> slow.items.size() == 1);
    Poll.until(
        Duration.ofSeconds(30),
        "the node to give up on the stream",
        () -> !TickerService.CANCELLED.isEmpty());
    // Meanwhile the client's other calls go on.
    assertThat(client.call("echo", "", ByteString.copyFromUtf8("still here")).get(10, TimeUnit.SECONDS).getStatus())
        .isEqualTo(Status.OK);
    // Once the subscriber asks again it reads what was buffered, then the end: OVERLOADED.
    slow.subscription.request(Long.MAX_VALUE);
    Throwable failure = slow.failure();
    assertThat(failure).isInstanceOf(MeshCallException.class);
    assertThat(((MeshCallException) failure).status()).isEqualTo(Status.OVERLOADED);
  }

  @Test
  void theDeadlineBoundsTheWaitForTheFirstFrame() throws Exception {
    Collector<UInt32Value> items = new Collector<>(Long.MAX_VALUE, false);
    client
        .stream("ticker", "tick", UInt32Value.of(60_000), UInt32Value.parser(), Duration.ofMillis(300), Map.of())
        .subscribe(items);
    Throwable failure = items.failure();
    assertThat(failure).isInstanceOf(MeshCallException.class);
    assertThat(((MeshCallException) failure).status()).isEqualTo(Status.DEADLINE_EXCEEDED);
  }

  @Test
  void pubsubSubscriptionsReceiveWhatIsPublished() throws Exception {
    Collector<TopicMessage> messages = new Collector<>(Long.MAX_VALUE, false);
    client
        .stream(
            "pubsub",
            "subscribe",
            SubscribeRequest.newBuilder().setTopic("news").build(),
            TopicMessage.parser(),
            Duration.ofSeconds(5),
            Map.of())
        .subscribe(messages);
    // The subscription is in place once a published message comes through.
    Poll.until(
        Duration.ofSeconds(10),
        "a published message arrives",
        () -> {
          publish("warm-up");
          return !messages.items.isEmpty();
        });
    for (int i = 0; i < 10; i++) {
      publish("item " + i);
    }
    // (Late warm-up messages may still arrive: only the items count.)
    Poll.until(
        Duration.ofSeconds(10),
        "ten items",
        () -> messages.items.stream().filter(m -> m.getData().toStringUtf8().startsWith("item ")).count() == 10);
    assertThat(messages.items)
        .extracting(m -> m.getData().toStringUtf8())
        .filteredOn(text -> text.startsWith("item "))
        .containsExactly("item 0", "item 1", "item 2", "item 3", "item 4", "item 5", "item 6", "item 7", "item 8", "item 9");
    messages.subscription.cancel();
  }

  private void publish(String data) {
    client
        .call(
            "pubsub",
            "publish",
            PublishRequest.newBuilder().setTopic("news").setData(ByteString.copyFromUtf8(data)).build(),
            PublishReply.parser())
        .join();
  }

  @Test
  void aStreamSkipsANodeThatCannotBeReached() throws Exception {
    int dead;
    try (ServerSocket probe = new ServerSocket(0)) {
      dead = probe.getLocalPort();
    }
    try (MeshClient two =
        MeshClient.connect(
            List.of(new InetSocketAddress("127.0.0.1", dead), TestNodes.endpoint(node)), MeshClientOptions.defaults())) {
      for (int i = 0; i < 2; i++) { // each node gets a turn to be tried first
        Collector<UInt32Value> items = new Collector<>(Long.MAX_VALUE, false);
        two.stream("ticker", "count", UInt32Value.of(3), UInt32Value.parser(), Duration.ofSeconds(5), Map.of())
            .subscribe(items);
        assertThat(items.failure()).isNull();
        assertThat(items.items).hasSize(3);
      }
    }
  }
}
