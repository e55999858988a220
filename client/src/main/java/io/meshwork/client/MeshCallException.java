package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import io.meshwork.protocol.v1.Status;

/**
 * A call that ended with a status other than {@code OK}. The message reads like {@code
 * "UNAVAILABLE: no instance of echo can take the call"}: the status name, then the node's error
 * text.
 */
public final class MeshCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;
  private final String error;

  /**
   * @param status the call's status; never {@code OK}
   * @param error the node's human-readable reason, possibly empty
   */
  public MeshCallException(Status status, String error) {
    super(message(status, error));
    if (status == Status.OK) {
      throw new IllegalArgumentException("status: OK (expected: a failure status)");
    }
    this.status = status;
    this.error = error;
  }

  private static String message(Status status, String error) {
    requireNonNull(status, "status");
    requireNonNull(error, "error");
    return error.isEmpty() ? status.name() : status.name() + ": " + error;
  }

  /** The call's status, never {@code OK}. */
  public Status status() {
    return status;
  }

  /** The node's (or the client's) human-readable reason; may be empty. */
  public String error() {
    return error;
  }
}
