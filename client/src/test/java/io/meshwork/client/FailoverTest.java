package io.meshwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client of several nodes: spreading, failing over, reconnecting. Real sockets throughout. */
class FailoverTest {
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  private static final MeshClientOptions FAST_RECONNECT =
      MeshClientOptions.builder().reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Reply await(CompletableFuture<Reply> reply) throws Exception {
    return reply.get(10, TimeUnit.SECONDS);
  }

  private static int freePort() throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  @Test
  void callsAreSpreadOverEveryConnectedNodeInTurn() throws Exception {
    TestNode a = keep(TestNode.startEchoNode());
    TestNode b = keep(TestNode.startEchoNode());
    MeshClient client = keep(MeshClient.connect(List.of(a.address(), b.address()), FAST_RECONNECT));
    for (int i = 0; i < 100; i++) {
      assertThat(await(client.call("echo", "", utf8("m" + i))).getStatus()).isEqualTo(Status.OK);
    }
    assertThat(a.received()).hasSize(50);
    assertThat(b.received()).hasSize(50);
  }

  @Test
  void aLostNodeFailsItsCallsAtOnceAndTheOthersTakeTheNewOnes() throws Exception {
    TestNode silent = keep(TestNode.startSilentNode());
    TestNode echo = keep(TestNode.startEchoNode());
    MeshClient client =
        keep(
            MeshClient.connect(
                List.of(silent.address(), echo.address()),
                MeshClientOptions.builder().reconnect(false).build()));
    // Half of these go to the silent node and wait there; deadlines far away.
    List<CompletableFuture<Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(client.call("echo", "", utf8("m" + i), Duration.ofMinutes(5), Map.of()));
    }
    long before = System.nanoTime();
    silent.close();
    int unavailable = 0;
    for (CompletableFuture<Reply> call : calls) {
      Reply reply = await(call);
      if (reply.getStatus() == Status.UNAVAILABLE) {
        unavailable++;
        assertThat(reply.getError()).startsWith("connection to 127.0.0.1:" + silent.port() + " closed: ");
      } else {
        assertThat(reply.getStatus()).isEqualTo(Status.OK);
      }
    }
    assertThat(unavailable).isEqualTo(10);
    // "At once": long before any deadline (minutes away).
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
    for (int i = 0; i < 20; i++) {
      assertThat(await(client.call("echo", "", utf8("after" + i))).getStatus()).isEqualTo(Status.OK);
    }
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void theClientReconnectsWhenALostNodeComesBack() throws Exception {
    int port = freePort();
    TestNode first = TestNode.startEchoNode(port);
    TestNode other = keep(TestNode.startEchoNode());
    MeshClient client =
        keep(MeshClient.connect(List.of(new InetSocketAddress("127.0.0.1", port), other.address()), FAST_RECONNECT));
    first.close();
    TestNode back = keep(TestNode.startEchoNode(port));
    // New calls reach the returned node once the client has reconnected: poll until one does.
    // (A call sent before the client noticed the loss gets UNAVAILABLE, as calls in flight do.)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (back.received().isEmpty()) {
      assertThat(System.nanoTime()).as("a call reaches the node that came back").isLessThan(deadline);
      assertThat(await(client.call("echo", "", utf8("x"))).getStatus()).isIn(Status.OK, Status.UNAVAILABLE);
    }
    // Both nodes take calls again, and every call succeeds.
    for (int i = 0; i < 20; i++) {
      assertThat(await(client.call("echo", "", utf8("y" + i))).getStatus()).isEqualTo(Status.OK);
    }
    assertThat(back.received().size()).isGreaterThanOrEqualTo(10);
  }

  @Test
  void aNodeThatClosesNewConnectionsAtOnceIsRetriedUntilItServes() throws Exception {
    // A node still starting accepts a connection and closes it unread, often before the client
    // has finished setting the connection up; the client must still notice and try again.
    java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean serving = new java.util.concurrent.atomic.AtomicBoolean();
    TestNode starting =
        keep(
            TestNode.start(
                peer -> {
                  if (!serving.get()) {
                    refused.incrementAndGet();
                    return; // closed at once, unread
                  }
                  for (Request request = peer.read(); request != null; request = peer.read()) {
                    peer.send(TestNode.echoOrNotFound(request));
                    peer.flush();
                  }
                }));
    TestNode other = keep(TestNode.startEchoNode());
    MeshClient client =
        keep(MeshClient.connect(List.of(starting.address(), other.address()), FAST_RECONNECT));
    // The client keeps trying (with a growing backoff, not in a tight loop) ...
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (refused.get() < 4) {
      assertThat(System.nanoTime()).as("the client retries the refusing node").isLessThan(until);
      assertThat(await(client.call("echo", "", utf8("x"))).getStatus()).isIn(Status.OK, Status.UNAVAILABLE);
    }
    // ... and once the node serves, calls reach it.
    serving.set(true);
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (starting.received().isEmpty()) {
      assertThat(System.nanoTime()).as("a call reaches the node once it serves").isLessThan(until);
      assertThat(await(client.call("echo", "", utf8("y"))).getStatus()).isIn(Status.OK, Status.UNAVAILABLE);
    }
    // Refused attempts back off: at most 20 ms, 40, 80, 160, then 200 ms apart, so a few in the
    // time that took, not hundreds.
    assertThat(refused.get()).isLessThan(100);
  }

  @Test
  void withNoNodeConnectedACallFailsAtOnceNamingEachNode() throws Exception {
    TestNode only = TestNode.startEchoNode();
    MeshClient client = keep(MeshClient.connect(List.of(only.address()), MeshClientOptions.builder().reconnect(false).build()));
    only.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (client.isOpen()) {
      assertThat(System.nanoTime()).as("the client sees the node gone").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
    CompletableFuture<Reply> reply = client.call("echo", "", utf8("x"));
    assertThat(reply).isDone();
    assertThat(reply.join().getStatus()).isEqualTo(Status.UNAVAILABLE);
    assertThat(reply.join().getError())
        .startsWith("no node connected: connection to 127.0.0.1:" + only.port() + " closed: ");
  }

  @Test
  void connectSucceedsWhenOneNodeAnswersAndFailsNamingEveryNodeWhenNone() throws Exception {
    int dead1 = freePort();
    int dead2 = freePort();
    TestNode live = keep(TestNode.startEchoNode());
    MeshClient client =
        keep(
            MeshClient.connect(
                List.of(new InetSocketAddress("127.0.0.1", dead1), live.address()), FAST_RECONNECT));
    assertThat(await(client.call("echo", "", utf8("x"))).getStatus()).isEqualTo(Status.OK);

    assertThatThrownBy(
            () ->
                MeshClient.connect(
                    List.of(new InetSocketAddress("127.0.0.1", dead1), new InetSocketAddress("127.0.0.1", dead2)),
                    FAST_RECONNECT))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("cannot connect to 127.0.0.1:" + dead1 + ": ")
        .hasMessageContaining("; cannot connect to 127.0.0.1:" + dead2 + ": ");
  }

  @Test
  void nodeListsParse() {
    assertThat(MeshClient.parseNodes("127.0.0.1:7701, localhost:7702,[::1]:7703"))
        .extracting(InetSocketAddress::getHostString, InetSocketAddress::getPort)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("127.0.0.1", 7701),
            org.assertj.core.groups.Tuple.tuple("localhost", 7702),
            org.assertj.core.groups.Tuple.tuple("::1", 7703));
    assertThatThrownBy(() -> MeshClient.parseNodes("127.0.0.1:7701,nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodes: 'nope' (expected: host:port)");
  }
}
