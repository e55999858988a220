package io.meshwork.client.cli;

import io.meshwork.protocol.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What {@code meshctl bench} measures: calls by status, and the latency of the OK ones in an
 * HdrHistogram (microseconds, 3 significant digits). Recording is wait-free from any thread; {@link
 * #progress} and {@link #summary} are called from one thread.
 */
final class BenchStats {
  /** Statuses by number; the last slot counts numbers this version does not know. */
  private final LongAdder[] byStatus = new LongAdder[Status.INTERNAL_VALUE + 2];

  private final Recorder recorder = new Recorder(3);
  private final Histogram total = new Histogram(3);
  private Histogram interval;
  private long lastCompleted;
  private long lastNanos;

  BenchStats(long startNanos) {
    for (int i = 0; i < byStatus.length; i++) {
      byStatus[i] = new LongAdder();
    }
    this.lastNanos = startNanos;
  }

  /** One completed call: its status number and, for OK calls, how long it took. */
  void record(int status, long latencyNanos) {
    byStatus[status >= 0 && status < byStatus.length - 1 ? status : byStatus.length - 1]
        .increment();
    if (status == Status.OK_VALUE) {
      recorder.recordValue(Math.max(1, latencyNanos / 1_000));
    }
  }

  long completed() {
    long sum = 0;
    for (LongAdder count : byStatus) {
      sum += count.sum();
    }
    return sum;
  }

  long errors() {
    return completed() - byStatus[Status.OK_VALUE].sum();
  }

  /** {@code [ 3s] 21034 req/s, 63012 calls, p99 1.234 ms, errors: none}, for the last interval. */
  String progress(long nowNanos, long startNanos) {
    drainInterval();
    long completed = completed();
    double seconds = Math.max(1e-9, (nowNanos - lastNanos) / 1e9);
    long rate = Math.round((completed - lastCompleted) / seconds);
    lastCompleted = completed;
    lastNanos = nowNanos;
    String p99 =
        interval.getTotalCount() == 0 ? "-" : millis(interval.getValueAtPercentile(99.0)) + " ms";
    return String.format(
        Locale.ROOT,
        "[%3ds] %d req/s, %d calls, p99 %s, errors: %s",
        Math.round((nowNanos - startNanos) / 1e9),
        rate,
        completed,
        p99,
        errors() == 0 ? "none" : statuses(false));
  }

  /** The final report, several lines; {@code header} says what ran. */
  String summary(String header, long elapsedNanos) {
    drainInterval();
    long completed = completed();
    double seconds = elapsedNanos / 1e9;
    StringBuilder text = new StringBuilder(header).append('\n');
    text.append(
        String.format(
            Locale.ROOT,
            "requests: %d in %.2f s (%d req/s)%n",
            completed,
            seconds,
            Math.round(completed / Math.max(1e-9, seconds))));
    text.append("statuses: ").append(completed == 0 ? "none" : statuses(true)).append('\n');
    text.append("errors: ").append(errors()).append('\n');
    if (total.getTotalCount() == 0) {
      text.append("latency of OK calls: none completed\n");
    } else {
      text.append(
          String.format(
              Locale.ROOT,
              "latency of OK calls: p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms%n",
              millis(total.getValueAtPercentile(50)),
              millis(total.getValueAtPercentile(90)),
              millis(total.getValueAtPercentile(99)),
              millis(total.getValueAtPercentile(99.9)),
              millis(total.getMaxValue())));
    }
    return text.toString();
  }

  private void drainInterval() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
  }

  /** {@code OK 120, UNAVAILABLE 3}: the statuses seen, OK only when {@code withOk}. */
  private String statuses(boolean withOk) {
    List<String> parts = new ArrayList<>();
    for (int i = withOk ? 0 : 1; i < byStatus.length; i++) {
      long count = byStatus[i].sum();
      if (count > 0) {
        String name = i == byStatus.length - 1 ? "OTHER" : Status.forNumber(i).name();
        parts.add(name + " " + count);
      }
    }
    return String.join(", ", parts);
  }

  private static String millis(long micros) {
    return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
  }
}
