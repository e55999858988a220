package io.meshwork.client.cli;

/**
 * meshctl's exit codes. A call's status maps to {@code 10 + status number}, so scripts can tell
 * NOT_FOUND (12) from UNAVAILABLE (13) without parsing text. Picocli itself returns 2 for invalid
 * arguments and 1 for an unexpected exception.
 */
final class ExitCodes {
  static final int OK = 0;
  static final int UNREACHABLE = 3;
  static final int STATUS_BASE = 10;

  /** Codes above this mean "killed by a signal" to shells. */
  private static final int MAX = 125;

  private ExitCodes() {}

  /** 0 for OK, else 10 + the status number (at most 125, for statuses of a future protocol). */
  static int forStatus(int statusNumber) {
    return statusNumber == 0 ? OK : Math.min(STATUS_BASE + statusNumber, MAX);
  }
}
