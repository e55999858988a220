package io.meshwork.node.transport;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of {@link EventLoop}s, the executor service behind the event-loop dispatcher. A task
 * given from one of its loops runs on that same loop, so an actor that receives a message from a
 * loop runs on the loop that sent it and the whole path of one request stays on one thread; a task
 * from any other thread goes to the loops in turn.
 */
public final class EventLoopGroup extends AbstractExecutorService {
  private final EventLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();
  private volatile boolean shutdown;

  EventLoopGroup(int size, ThreadFactory threadFactory) {
    if (size < 1) {
      throw new IllegalArgumentException("event loops: " + size + " (expected: >= 1)");
    }
    loops = new EventLoop[size];
    for (int i = 0; i < size; i++) {
      String name = "meshwork-event-loop-" + i;
      loops[i] =
          new EventLoop(
              this,
              task -> {
                Thread thread = threadFactory.newThread(task);
                thread.setName(name);
                return thread;
              });
    }
    for (EventLoop loop : loops) {
      loop.start();
    }
  }

  public int size() {
    return loops.length;
  }

  /** The next loop in turn, for a new channel. */
  public EventLoop next() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  @Override
  public void execute(Runnable task) {
    EventLoop current = EventLoop.current();
    if (current != null && current.group() == this) {
      current.execute(task);
    } else {
      next().execute(task);
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    for (EventLoop loop : loops) {
      loop.shutdown();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    for (EventLoop loop : loops) {
      if (!loop.isTerminated()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (EventLoop loop : loops) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !loop.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        return isTerminated();
      }
    }
    return true;
  }
}
