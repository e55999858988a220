package io.meshwork.protocol.conformance;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The outcome of one conformance case.
 *
 * @param name the case's name
 * @param passed true when every step passed
 * @param reason why it failed (the step and what was wrong); empty when it passed
 * @param took how long the case ran
 */
public record CaseResult(String name, boolean passed, String reason, Duration took) {
  public CaseResult {
    requireNonNull(name, "name");
    requireNonNull(reason, "reason");
    requireNonNull(took, "took");
  }

  /** One line for a report: {@code PASS name (12 ms)} or {@code FAIL name (12 ms): reason}. */
  public String line() {
    return (passed ? "PASS " : "FAIL ")
        + name
        + " ("
        + took.toMillis()
        + " ms)"
        + (passed ? "" : ": " + reason);
  }
}
