package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A well-behaved client beside an attack: one connection, one {@code echo} call at a time, one
 * call every {@code periodMicros}, each checked (status and payload) and timed. Call {@link
 * #stop} to end it and read the figures.
 */
public final class SteadyClient implements AutoCloseable {
  private final InetSocketAddress node;
  private final long periodNanos;
  private final Histogram latencyMicros = new Histogram(60_000_000L, 3);
  private final Map<Status, Integer> statuses = new EnumMap<>(Status.class);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;
  private int wrongPayloads;

  private SteadyClient(InetSocketAddress node, long periodMicros) {
    this.node = node;
    this.periodNanos = periodMicros * 1000;
    this.thread = new Thread(this::run, "steady-client");
  }

  /** Starts calling {@code node}'s echo every {@code periodMicros}. */
  public static SteadyClient start(InetSocketAddress node, long periodMicros) {
    SteadyClient c = new SteadyClient(node, periodMicros);
    c.thread.start();
    return c;
  }

  private void run() {
    long id = 0;
    try (WireConnection conn = new WireConnection(node)) {
      long next = System.nanoTime();
      while (running) {
        ByteString payload = ByteString.copyFromUtf8("steady-" + (++id));
        long start = System.nanoTime();
        Reply reply = conn.call(WireConnection.echo(id, payload).toBuilder().setDeadlineMs(5000).build());
        long micros = (System.nanoTime() - start) / 1000;
        synchronized (this) {
          latencyMicros.recordValue(Math.min(micros, latencyMicros.getHighestTrackableValue()));
          statuses.merge(reply.getStatus(), 1, Integer::sum);
          if (reply.getStatus() == Status.OK && !reply.getPayload().equals(payload)) {
            wrongPayloads++;
          }
        }
        next += periodNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        } else {
          next = System.nanoTime(); // late: no burst to catch up
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** The figures so far, as one line. */
  public synchronized String summary() {
    return String.format(
        "good client: %d calls %s, p50 %.1f ms, p99 %.1f ms, max %.1f ms%s",
        latencyMicros.getTotalCount(),
        statuses,
        latencyMicros.getValueAtPercentile(50) / 1000.0,
        latencyMicros.getValueAtPercentile(99) / 1000.0,
        latencyMicros.getMaxValue() / 1000.0,
        failure == null ? "" : ", failed: " + failure);
  }

  public synchronized long calls() {
    return latencyMicros.getTotalCount();
  }

  public synchronized Map<Status, Integer> statuses() {
    return new EnumMap<>(statuses);
  }

  public synchronized double p99Millis() {
    return latencyMicros.getValueAtPercentile(99) / 1000.0;
  }

  public synchronized int wrongPayloads() {
    return wrongPayloads;
  }

  /** The error that ended the client early (a closed connection, a missing reply), or null. */
  public Throwable failure() {
    return failure;
  }

  /** Ends the calls and waits for the last one. */
  public void stop() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
