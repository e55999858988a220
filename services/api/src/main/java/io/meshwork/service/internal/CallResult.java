package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;

/**
 * One reply frame of a call, on its way back to the caller's connection.
 *
 * @param callId the {@link ServiceCall#callId()} it answers
 * @param more true on a stream item; the last frame of a call has {@code more = false}
 */
public record CallResult(long callId, Status status, ByteString payload, String error, boolean more)
    implements ReplyMessage {

  public CallResult {
    requireNonNull(status, "status");
    requireNonNull(payload, "payload");
    requireNonNull(error, "error");
  }

  /** A final failure frame. */
  public static CallResult failure(long callId, Status status, String error) {
    return new CallResult(callId, status, ByteString.EMPTY, error, false);
  }
}
