package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends one connection's calls for {@code meshctl bench}: keeps up to {@code depth} in flight until
 * {@code end}, one every {@code interval} nanoseconds when paced (0: as fast as replies come back),
 * then waits for those still in flight. Replies are counted on the client's reader thread, which
 * also frees the slot for the next call.
 */
final class BenchDriver implements Runnable {
  private final MeshClient client;
  private final PayloadSource.Payload request;
  private final Duration deadline;
  private final Map<String, String> headers;
  private final int depth;
  private final long start;
  private final long end;
  private final long interval;
  private final BenchStats stats;
  private final Semaphore window;
  Thread thread;

  BenchDriver(
      MeshClient client,
      PayloadSource.Payload request,
      Duration deadline,
      Map<String, String> headers,
      int depth,
      long start,
      long end,
      long interval,
      BenchStats stats) {
    this.client = client;
    this.request = request;
    this.deadline = deadline;
    this.headers = Map.copyOf(headers);
    this.depth = depth;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.stats = stats;
    this.window = new Semaphore(depth);
  }

  @Override
  public void run() {
    long due = start;
    try {
      while (client.isOpen()) {
        long sent;
        if (interval > 0) {
          if (due - end >= 0) {
            break;
          }
          LockSupport.parkNanos(due - System.nanoTime());
          if (!window.tryAcquire(end - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            break;
          }
          sent = due; // from when it was due: a stall shows as latency, not as fewer calls
          due += interval;
        } else {
          if (!window.tryAcquire(end - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            break;
          }
          sent = System.nanoTime();
        }
        if (sent - end >= 0 && interval == 0) {
          window.release();
          break;
        }
        client
            .call(request.service(), request.method(), request.bytes(), deadline, headers)
            .whenComplete(
                (reply, failure) -> {
                  int status = failure == null ? reply.getStatusValue() : Status.INTERNAL_VALUE;
                  stats.record(status, System.nanoTime() - sent);
                  window.release();
                });
      }
      // The calls still in flight: each completes by its deadline (plus the client's grace).
      window.tryAcquire(
          depth, deadline.toNanos() + TimeUnit.SECONDS.toNanos(2), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
