package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import io.meshwork.protocol.v1.Status;

/**
 * Thrown by a service's behaviour to fail the current call with a specific status, for example
 * {@code BAD_REQUEST} for an invalid argument. The call gets that status and this message; the
 * service actor keeps its state (it is not restarted). Any other exception becomes {@code INTERNAL}
 * and restarts the actor.
 */
public final class ServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;

  public ServiceException(Status status, String message) {
    super(requireNonNull(message, "message"));
    this.status = requireFailure(status);
  }

  /** Checks that {@code status} is one a call can fail with (not OK); returns it. */
  static Status requireFailure(Status status) {
    requireNonNull(status, "status");
    if (status == Status.OK || status == Status.UNRECOGNIZED) {
      throw new IllegalArgumentException("status: " + status + " (expected: a failure status)");
    }
    return status;
  }

  public Status status() {
    return status;
  }
}
