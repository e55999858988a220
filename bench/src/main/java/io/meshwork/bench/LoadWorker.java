package io.meshwork.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One selector thread driving a share of the connections: sends requests, checks every reply,
 * records latencies of the replies that arrive inside the measured window.
 *
 * <p>Closed loop: each connection starts with {@code depth} requests and sends a new one whenever
 * one completes. Open loop: request {@code n} of this worker is due at {@code firstDue + n *
 * interval} on connection {@code n mod connections}, whatever the replies do, and its latency is
 * counted from that due time, so a stalled server cannot hide its stall (no coordinated omission).
 *
 * <p>All requests produced in one selector round go out in one write per connection.
 */
final class LoadWorker implements Runnable {
  /** Times (System.nanoTime) shared by all workers of a run. */
  record Schedule(long start, long measureStart, long measureEnd, long drainDeadline) {}

  private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(1);
  private static final long SPIN_BELOW_NANOS = TimeUnit.MICROSECONDS.toNanos(1100);
  private static final int MAX_CATCH_UP_SENDS = 1024;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Selector selector;
  private final List<LoadConnection> connections;
  private final LoadSettings settings;
  private final RequestFrameEncoder encoder;
  private final Schedule schedule;
  private final ErrorLog errorLog;
  private final Histogram latencyMicros = new Histogram(HIGHEST_MICROS, 3);
  private final ReplyChecker checker;
  private final List<LoadConnection> dirty = new ArrayList<>();

  /** Single instances: a method reference per call would be garbage on every poll. */
  private final Consumer<SelectionKey> onEvent = this::onEvent;

  private final LoadConnection.FrameHandler onFrame = this::onReply;

  private final double intervalNanos;
  private final long firstDue;
  private long sendNo;
  private long nextDue;

  private long inFlight;
  private long completed;
  private long errors;
  private long cpuAtMeasureStart = -1;
  private long cpuAtMeasureEnd = -1;
  private long eventTime;
  private boolean eventTimeTaken;
  private boolean sending = true;

  /** What one worker counted; merged by {@link LoadEngine}. */
  record Outcome(long completed, long errors, Histogram latencyMicros, long cpuNanos) {}

  LoadWorker(
      int workerIndex,
      int workerCount,
      Selector selector,
      List<LoadConnection> connections,
      LoadSettings settings,
      RequestFrameEncoder encoder,
      byte[] payload,
      Schedule schedule,
      ErrorLog errorLog) {
    this.selector = selector;
    this.connections = connections;
    this.settings = settings;
    this.encoder = encoder;
    this.checker = new ReplyChecker(payload);
    this.schedule = schedule;
    this.errorLog = errorLog;
    if (settings.openLoop() && !connections.isEmpty()) {
      intervalNanos = 1e9 / (settings.ratePerConnection() * connections.size());
      // Workers interleave their schedules so that the sends of all of them are evenly spaced.
      firstDue = schedule.start() + (long) (intervalNanos * workerIndex / workerCount);
    } else {
      intervalNanos = 0;
      firstDue = schedule.start();
    }
    nextDue = firstDue;
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (IOException | RuntimeException e) {
      errors++;
      errorLog.report("selector thread failed: " + e);
    } finally {
      for (LoadConnection connection : connections) {
        connection.close();
      }
    }
  }

  Outcome outcome() {
    long cpu =
        cpuAtMeasureEnd >= 0 && cpuAtMeasureStart >= 0 ? cpuAtMeasureEnd - cpuAtMeasureStart : 0;
    return new Outcome(completed, errors, latencyMicros, cpu);
  }

  private void loop() throws IOException {
    if (!settings.openLoop()) {
      long now = System.nanoTime();
      for (LoadConnection connection : connections) {
        for (int i = 0; i < settings.depth(); i++) {
          send(connection, now);
        }
      }
    }
    while (true) {
      long now = System.nanoTime();
      if (cpuAtMeasureStart < 0 && now >= schedule.measureStart()) {
        cpuAtMeasureStart = THREADS.getCurrentThreadCpuTime();
      }
      if (sending && now >= schedule.measureEnd()) {
        sending = false;
        cpuAtMeasureEnd = THREADS.getCurrentThreadCpuTime();
      }
      if (!sending && (inFlight == 0 || now >= schedule.drainDeadline())) {
        break;
      }
      if (sending && settings.openLoop()) {
        sendDue(now);
      }
      flushDirty();
      awaitEvents(now);
    }
    if (inFlight > 0) {
      errors += inFlight;
      errorLog.reportSummary(
          String.format(
              "%d requests got no reply within %.1f s after the measurement ended",
              inFlight, settings.drainTimeout().toNanos() / 1e9));
    }
  }

  /** Waits for socket events or the next deadline, then handles the events. */
  private void awaitEvents(long now) throws IOException {
    long next =
        sending
            ? (now < schedule.measureStart() ? schedule.measureStart() : schedule.measureEnd())
            : schedule.drainDeadline();
    if (sending && settings.openLoop()) {
      next = Math.min(next, nextDue);
    }
    long wait = next - now;
    eventTimeTaken = false;
    if (wait <= 0) {
      selector.selectNow(onEvent);
    } else if (wait < SPIN_BELOW_NANOS && settings.openLoop()) {
      // The selector's timeout has millisecond granularity and parking overshoots by tens of
      // microseconds: poll instead, so that sends leave on time and replies are timed on arrival.
      selector.selectNow(onEvent);
      Thread.onSpinWait();
    } else {
      long millis =
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(wait, SPIN_BELOW_NANOS * 100)));
      selector.select(onEvent, millis);
    }
  }

  private void onEvent(SelectionKey key) {
    if (!eventTimeTaken) {
      eventTime = System.nanoTime();
      eventTimeTaken = true;
    }
    LoadConnection connection = (LoadConnection) key.attachment();
    if (key.isValid() && key.isWritable()) {
      write(connection);
    }
    if (connection.open && key.isValid() && key.isReadable()) {
      read(connection);
    }
  }

  private void sendDue(long now) {
    int budget = MAX_CATCH_UP_SENDS;
    while (nextDue <= now && budget-- > 0) {
      LoadConnection connection = connections.get((int) (sendNo % connections.size()));
      if (connection.open) {
        send(connection, nextDue);
      }
      sendNo++;
      nextDue = firstDue + (long) (sendNo * intervalNanos);
    }
  }

  private void send(LoadConnection connection, long sendTime) {
    encoder.write(connection.outWithRoom(encoder.maxFrameBytes()), connection.calls.add(sendTime));
    inFlight++;
    if (!connection.dirty) {
      connection.dirty = true;
      dirty.add(connection);
    }
  }

  private void flushDirty() {
    for (int i = 0; i < dirty.size(); i++) {
      LoadConnection connection = dirty.get(i);
      connection.dirty = false;
      if (connection.open && !connection.writeBlocked()) {
        write(connection);
      }
    }
    dirty.clear();
  }

  private void write(LoadConnection connection) {
    try {
      connection.flush();
    } catch (IOException e) {
      fail(connection, "write failed: " + e.getMessage());
    }
  }

  private void read(LoadConnection connection) {
    try {
      if (!connection.readFrames(onFrame)) {
        fail(connection, "closed by the server");
      }
    } catch (IOException e) {
      fail(connection, "read failed: " + e.getMessage());
    }
  }

  private void onReply(LoadConnection connection, ByteBuffer in, int offset, int length) {
    long now = eventTime;
    ReplyChecker.Outcome outcome = checker.check(in, offset, length, connection.calls);
    if (outcome == ReplyChecker.Outcome.UNMATCHED) {
      error(connection);
      return;
    }
    inFlight--;
    if (outcome == ReplyChecker.Outcome.FAILED) {
      error(connection);
    } else if (now >= schedule.measureStart() && now < schedule.measureEnd()) {
      completed++;
      long micros = (now - checker.sendTime()) / 1000;
      latencyMicros.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, micros)));
    }
    if (sending && !settings.openLoop() && connection.open && now < schedule.measureEnd()) {
      send(connection, now);
    }
  }

  private void error(LoadConnection connection) {
    errors++;
    if (errorLog.wantsMore()) {
      errorLog.report("connection " + connection.index + ": " + checker.describe());
    }
  }

  /** The connection is unusable: its requests in flight are lost, each one an error. */
  private void fail(LoadConnection connection, String why) {
    int lost = connection.calls.size();
    errors += 1 + lost;
    inFlight -= lost;
    if (errorLog.wantsMore()) {
      errorLog.report(
          "connection "
              + connection.index
              + ": "
              + why
              + " ("
              + lost
              + " requests in flight lost)");
    }
    connection.close();
  }
}
