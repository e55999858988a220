package io.meshwork.node.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread, one {@link Selector}, one task queue: the socket IO of the channels registered with
 * it and the tasks given to it, in turn. It is the executor of the event-loop dispatcher (see
 * {@link EventLoopExecutorConfigurator}), so the actors and stream stages on that dispatcher run on
 * the same thread as the socket reads and writes they cause: a request read, routed to a service
 * actor, answered and written back involves no thread hand-off.
 *
 * <p>Nothing that runs here may block. Tasks given from this thread go on a plain queue; tasks from
 * other threads go on a concurrent queue and wake the selector, at most once per select.
 */
public final class EventLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  private static final ThreadLocal<EventLoop> CURRENT = new ThreadLocal<>();

  /** Most tasks run between two looks at the sockets. */
  private static final int TASK_BUDGET = 1024;

  /** Reacts to the readiness of a channel registered with a loop; called on the loop's thread. */
  public interface Handler {
    void onReady(SelectionKey key);

    /** The loop is shutting down: release the channel. */
    void onLoopClosed();
  }

  private final EventLoopGroup group;
  private final Selector selector;
  private final Thread thread;
  private final ArrayDeque<Runnable> local = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<Runnable> external = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean awake = new AtomicBoolean(true);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean shuttingDown;
  private ByteBuffer readBuffer = ByteBuffer.allocateDirect(0);
  private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(0);

  EventLoop(EventLoopGroup group, ThreadFactory threadFactory) {
    this.group = group;
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
    this.thread = threadFactory.newThread(this::run);
  }

  void start() {
    thread.start();
  }

  /** The loop whose thread is calling, or null. */
  public static EventLoop current() {
    return CURRENT.get();
  }

  public EventLoopGroup group() {
    return group;
  }

  public boolean inEventLoop() {
    return Thread.currentThread() == thread;
  }

  @Override
  public void execute(Runnable task) {
    if (Thread.currentThread() == thread) {
      local.add(task);
      return;
    }
    if (shuttingDown && terminated.getCount() == 0) {
      throw new RejectedExecutionException("event loop " + thread.getName() + " has terminated");
    }
    external.add(task);
    if (!awake.get() && awake.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Runs the task now when called on this loop's thread, else queues it. */
  public void run(Runnable task) {
    if (Thread.currentThread() == thread) {
      task.run();
    } else {
      execute(task);
    }
  }

  /** Registers a channel; call on this loop's thread. */
  public SelectionKey register(SelectableChannel channel, int ops, Handler handler)
      throws ClosedChannelException {
    assert inEventLoop();
    return channel.register(selector, ops, handler);
  }

  /**
   * A direct buffer of at least {@code size} bytes, shared by every channel of this loop: a read
   * lands in it and is copied out before the next read. Call on this loop's thread.
   */
  public ByteBuffer readBuffer(int size) {
    if (readBuffer.capacity() < size) {
      readBuffer = ByteBuffer.allocateDirect(size);
    }
    readBuffer.clear().limit(size);
    return readBuffer;
  }

  /** Like {@link #readBuffer}, for preparing a write. Call on this loop's thread. */
  public ByteBuffer writeBuffer(int size) {
    if (writeBuffer.capacity() < size) {
      writeBuffer = ByteBuffer.allocateDirect(Math.max(size, 64 * 1024));
    }
    writeBuffer.clear().limit(size);
    return writeBuffer;
  }

  void shutdown() {
    shuttingDown = true;
    selector.wakeup();
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }

  boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  private void run() {
    CURRENT.set(this);
    try {
      while (!shuttingDown) {
        try {
          int ready;
          if (!local.isEmpty() || !external.isEmpty()) {
            ready = selector.selectNow();
          } else {
            awake.set(false);
            // A task queued after the check above finds awake == false and wakes the selector.
            ready = external.isEmpty() ? selector.select() : selector.selectNow();
            awake.set(true);
          }
          if (ready > 0) {
            processSelected();
          }
          runTasks();
        } catch (Throwable t) {
          log.error("Event loop {}: unexpected failure, continuing", thread.getName(), t);
        }
      }
      // Let the last tasks (actors stopping, channels closing) run, then release every channel.
      runTasks();
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Handler handler) {
          try {
            handler.onLoopClosed();
          } catch (RuntimeException e) {
            log.debug("Closing a channel on shutdown failed", e);
          }
        }
      }
      runTasks();
    } finally {
      try {
        selector.close();
      } catch (IOException e) {
        log.debug("Closing the selector failed", e);
      }
      terminated.countDown();
      Runnable late;
      while ((late = external.poll()) != null) {
        log.debug("Event loop {} terminated with a task still queued: {}", thread.getName(), late);
      }
    }
  }

  private void processSelected() {
    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
    while (keys.hasNext()) {
      SelectionKey key = keys.next();
      keys.remove();
      if (!key.isValid()) {
        continue;
      }
      try {
        ((Handler) key.attachment()).onReady(key);
      } catch (RuntimeException e) {
        log.error("Event loop {}: a channel handler failed", thread.getName(), e);
      }
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = external.poll()) != null) {
      local.add(task);
    }
    for (int budget = TASK_BUDGET; budget > 0 && (task = local.poll()) != null; budget--) {
      try {
        task.run();
      } catch (Throwable t) {
        log.error("Event loop {}: a task failed", thread.getName(), t);
      }
    }
  }
}
