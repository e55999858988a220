package io.meshwork.client.cli;

/**
 * meshctl's exit codes, one per class of failure, so that scripts need not parse text. A call's
 * status maps to {@code 10 + status number}: NOT_FOUND (12) is not UNAVAILABLE (13). Picocli itself
 * returns 2 for invalid arguments and 1 for an unexpected exception. Numbers are never reused.
 */
final class ExitCodes {
  static final int OK = 0;

  /** An unexpected failure inside meshctl (picocli's own code for an uncaught exception). */
  static final int INTERNAL = 1;

  /** Invalid arguments: picocli's usage errors, and {@code --json} that does not parse or fit. */
  static final int INVALID_ARGUMENTS = 2;

  /** The node's client port cannot be reached. */
  static final int UNREACHABLE = 3;

  /** The management API cannot be reached. */
  static final int MANAGEMENT_UNREACHABLE = 4;

  /** The management API answered with an error, or with something meshctl cannot read. */
  static final int MANAGEMENT_ERROR = 5;

  /** The management API's mutating routes are read-only (HTTP 405): leave and down refused. */
  static final int READ_ONLY = 6;

  /** The method streams its reply, which meshctl cannot follow yet. */
  static final int STREAMING_UNSUPPORTED = 7;

  /** {@code meshctl bench}: at least one call ended with a status other than OK. */
  static final int BENCH_FAILED_CALLS = 8;

  /**
   * The management API refused the credentials of a mutating request (HTTP 401), or refused it
   * over plain HTTP from another machine (HTTP 403).
   */
  static final int MANAGEMENT_UNAUTHORIZED = 9;

  static final int STATUS_BASE = 10;

  /** Codes above this mean "killed by a signal" to shells. */
  private static final int MAX = 125;

  private ExitCodes() {}

  /** 0 for OK, else 10 + the status number (at most 125, for statuses of a future protocol). */
  static int forStatus(int statusNumber) {
    return statusNumber == 0 ? OK : Math.min(STATUS_BASE + statusNumber, MAX);
  }
}
