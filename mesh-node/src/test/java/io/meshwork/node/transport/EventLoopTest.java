package io.meshwork.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
  private EventLoopGroup group;

  private EventLoopGroup group(int loops) {
    group = new EventLoopGroup(loops, Executors.defaultThreadFactory());
    return group;
  }

  @AfterEach
  void shutdown() throws InterruptedException {
    if (group != null) {
      group.shutdown();
      assertThat(group.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void tasksFromOtherThreadsRunOnTheLoopInOrderAndWakeABlockedSelector() throws Exception {
    EventLoop loop = group(1).next();
    List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    Set<Thread> threads = Collections.synchronizedSet(new HashSet<>());
    CountDownLatch done = new CountDownLatch(1);
    Thread.sleep(50); // the loop is now blocked in select with nothing to do
    for (int i = 0; i < 10_000; i++) {
      int n = i;
      loop.execute(
          () -> {
            seen.add(n);
            threads.add(Thread.currentThread());
            assertThat(EventLoop.current()).isSameAs(loop);
            if (n == 9_999) {
              done.countDown();
            }
          });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).hasSize(10_000).isSorted();
    assertThat(threads).hasSize(1);
    assertThat(threads.iterator().next()).isNotSameAs(Thread.currentThread());
  }

  @Test
  void aTaskGivenOnTheLoopRunsAfterTheCurrentOneNotInsideIt() throws Exception {
    EventLoop loop = group(1).next();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(
        () -> {
          order.add("outer start");
          loop.execute(
              () -> {
                order.add("queued");
                done.complete(null);
              });
          loop.run(() -> order.add("run inline"));
          order.add("outer end");
        });
    done.get(10, TimeUnit.SECONDS);
    assertThat(order).containsExactly("outer start", "run inline", "outer end", "queued");
  }

  @Test
  void aFailingTaskDoesNotStopTheLoop() throws Exception {
    EventLoop loop = group(1).next();
    loop.execute(
        () -> {
          throw new IllegalStateException("boom (expected by the test)");
        });
    CompletableFuture<String> after = new CompletableFuture<>();
    loop.execute(() -> after.complete("still running"));
    assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("still running");
  }

  @Test
  void theGroupKeepsATaskOnTheLoopThatGaveItAndSpreadsOthers() throws Exception {
    EventLoopGroup g = group(3);
    Set<EventLoop> used = Collections.synchronizedSet(new HashSet<>());
    CountDownLatch spread = new CountDownLatch(30);
    for (int i = 0; i < 30; i++) {
      g.execute(
          () -> {
            used.add(EventLoop.current());
            spread.countDown();
          });
    }
    assertThat(spread.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(used).hasSize(3);

    CompletableFuture<Boolean> sameLoop = new CompletableFuture<>();
    EventLoop first = g.next();
    first.execute(() -> g.execute(() -> sameLoop.complete(EventLoop.current() == first)));
    assertThat(sameLoop.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shuttingDownReleasesEveryRegisteredChannel() throws Exception {
    EventLoopGroup g = group(1);
    EventLoop loop = g.next();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    server.configureBlocking(false);
    CountDownLatch released = new CountDownLatch(1);
    CompletableFuture<Void> registered = new CompletableFuture<>();
    loop.execute(
        () -> {
          try {
            loop.register(
                server,
                SelectionKey.OP_ACCEPT,
                new EventLoop.Handler() {
                  @Override
                  public void onReady(SelectionKey key) {}

                  @Override
                  public void onLoopClosed() {
                    try {
                      server.close();
                    } catch (IOException e) {
                      throw new RuntimeException(e);
                    }
                    released.countDown();
                  }
                });
            registered.complete(null);
          } catch (IOException e) {
            registered.completeExceptionally(e);
          }
        });
    registered.get(10, TimeUnit.SECONDS);
    g.shutdown();
    assertThat(g.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(released.await(1, TimeUnit.SECONDS)).isTrue();
    assertThat(server.isOpen()).isFalse();
    assertThat(g.isTerminated()).isTrue();
    group = null;
  }
}
