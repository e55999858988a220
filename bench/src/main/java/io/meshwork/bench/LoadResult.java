package io.meshwork.bench;

import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What a load run measured.
 *
 * @param completed replies that passed every check and arrived inside the measured window
 * @param errors failed checks, lost and unanswered requests, broken connections (any phase)
 * @param latencyMicros send (or, open loop, due) time to reply, of the completed requests
 * @param measuredNanos length of the measured window
 * @param clientCpuNanos CPU time the selector threads used inside the measured window
 * @param errorSamples the first few error messages
 */
record LoadResult(
    long completed,
    long errors,
    Histogram latencyMicros,
    long measuredNanos,
    long clientCpuNanos,
    List<String> errorSamples) {

  double requestsPerSecond() {
    return completed * 1e9 / measuredNanos;
  }

  /** Whether the run counts as a success: something completed and nothing failed. */
  boolean ok() {
    return completed > 0 && errors == 0;
  }

  /** The machine-readable line: {@code RESULT key=value ...}, one line. */
  String resultLine() {
    return String.format(
        Locale.ROOT,
        "RESULT rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d errors=%d requests=%d"
            + " client_cpu=%.2f",
        requestsPerSecond(),
        percentile(50),
        percentile(90),
        percentile(99),
        percentile(99.9),
        latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue(),
        errors,
        completed,
        clientCpu());
  }

  /** A few lines for humans. */
  String summary(LoadSettings settings) {
    return String.format(
        Locale.ROOT,
        "load: %s%n"
            + "  completed %,d requests in %.1f s: %,.0f requests/s; errors: %d%n"
            + "  latency (us): p50 %,d  p90 %,d  p99 %,d  p99.9 %,d  max %,d%n"
            + "  load generator CPU: %.0f%% of one core",
        settings.describe(),
        completed,
        measuredNanos / 1e9,
        requestsPerSecond(),
        errors,
        percentile(50),
        percentile(90),
        percentile(99),
        percentile(99.9),
        latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue(),
        clientCpu() * 100);
  }

  private long percentile(double p) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p);
  }

  private double clientCpu() {
    return clientCpuNanos / (double) measuredNanos;
  }
}
