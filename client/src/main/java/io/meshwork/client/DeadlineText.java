package io.meshwork.client;

import java.time.Duration;

/** Writes deadlines the way people (and meshctl's --deadline) write them: 500ms, 5s, 2m. */
final class DeadlineText {
  private DeadlineText() {}

  static String format(Duration deadline) {
    long millis = deadline.toMillis();
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
