package io.meshwork.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints and keeps the first few error messages of a run; the workers count the errors. */
final class ErrorLog {
  private final PrintStream out;
  private final int maxSamples;
  private final List<String> samples = new ArrayList<>();
  private volatile boolean full;

  ErrorLog(PrintStream out, int maxSamples) {
    this.out = out;
    this.maxSamples = maxSamples;
  }

  /** False once enough messages are kept: callers then skip building theirs. */
  boolean wantsMore() {
    return !full;
  }

  synchronized void report(String message) {
    if (samples.size() < maxSamples) {
      samples.add(message);
      out.println("error: " + message);
      full = samples.size() >= maxSamples;
    }
  }

  /** A message that sums up many errors: kept and printed even when enough samples are kept. */
  synchronized void reportSummary(String message) {
    samples.add(message);
    out.println("error: " + message);
  }

  synchronized List<String> samples() {
    return List.copyOf(samples);
  }
}
