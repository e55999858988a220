package io.meshwork.client;

import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The calls of one connection that wait for their reply, by id. Each has a client-side timer so
 * that no call waits forever, even when the node never answers.
 */
final class PendingCalls {
  /** The node answers DEADLINE_EXCEEDED itself at the deadline; the local timer is the backstop. */
  static final Duration TIMER_GRACE = Duration.ofSeconds(1);

  private final Map<Long, CompletableFuture<Reply>> calls = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers;
  private final Object lock = new Object();
  private String closedReason; // guarded by lock; once set, no call is registered any more

  PendingCalls(ScheduledExecutorService timers) {
    this.timers = timers;
  }

  /**
   * Registers call {@code id}. The future completes with the node's reply, with a synthesized
   * DEADLINE_EXCEEDED reply when none arrived by {@code deadline} plus {@link #TIMER_GRACE}, or
   * with UNAVAILABLE when the connection is (or gets) closed.
   */
  CompletableFuture<Reply> register(long id, Duration deadline) {
    CompletableFuture<Reply> future = new CompletableFuture<>();
    synchronized (lock) {
      if (closedReason != null) {
        future.complete(failure(id, Status.UNAVAILABLE, closedReason));
        return future;
      }
      calls.put(id, future);
    }
    ScheduledFuture<?> timer;
    try {
      timer =
          timers.schedule(
              () -> future.complete(deadlineExceeded(id, deadline)),
              deadline.plus(TIMER_GRACE).toNanos(),
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The timers stop only after close(), which has failed this call already.
      return future;
    }
    // However the call ends (reply, timer, close, or the caller cancelling), forget it.
    future.whenComplete(
        (reply, failure) -> {
          calls.remove(id, future);
          timer.cancel(false);
        });
    return future;
  }

  /** Completes the call the reply belongs to; false when no such call waits (any more). */
  boolean complete(Reply reply) {
    CompletableFuture<Reply> future = calls.remove(reply.getId());
    return future != null && future.complete(reply);
  }

  /** Completes every waiting call with a copy of {@code failure} carrying the call's own id. */
  void failAll(Reply failure) {
    // Only the calls waiting now: completing one may start a new call, which must not be failed.
    for (Long id : List.copyOf(calls.keySet())) {
      CompletableFuture<Reply> future = calls.remove(id);
      if (future != null) {
        future.complete(failure.toBuilder().setId(id).build());
      }
    }
  }

  /** Fails every waiting call, and every later one, with UNAVAILABLE and {@code reason}. */
  void close(String reason) {
    synchronized (lock) {
      if (closedReason != null) {
        return;
      }
      closedReason = reason;
    }
    failAll(failure(0, Status.UNAVAILABLE, reason));
  }

  private static Reply deadlineExceeded(long id, Duration deadline) {
    return failure(
        id,
        Status.DEADLINE_EXCEEDED,
        "no reply within " + DeadlineText.format(deadline) + " (client-side timer)");
  }

  private static Reply failure(long id, Status status, String error) {
    return Reply.newBuilder().setId(id).setStatus(status).setError(error).build();
  }
}
