package io.meshwork.bench;

import io.meshwork.protocol.v1.Status;
import java.nio.ByteBuffer;

/**
 * Checks each reply frame against the requests in flight on its connection: the id must be one of
 * them, the status {@code OK}, {@code more} false and the payload byte for byte the one sent.
 * Allocates nothing unless asked to {@link #describe} a failure.
 */
final class ReplyChecker {
  /** What a reply did to its connection's requests. */
  enum Outcome {
    /** It completed a request and passed every check. */
    OK,
    /** It completed a request but failed a check (status, {@code more} or payload). */
    FAILED,
    /** It completed no request: not a valid {@code Reply}, or for an id not in flight. */
    UNMATCHED
  }

  private final ReplyView reply = new ReplyView();
  private final ByteBuffer expectedPayload;
  private boolean valid;
  private int bodyLength;
  private long sendTime;

  ReplyChecker(byte[] payload) {
    expectedPayload = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
  }

  /**
   * Checks the reply body at absolute positions {@code [offset, offset + length)} of {@code in}; a
   * request it completes is removed from {@code calls} and its send time is {@link #sendTime}.
   */
  Outcome check(ByteBuffer in, int offset, int length, InFlightCalls calls) {
    bodyLength = length;
    valid = reply.parse(in, offset, length);
    if (!valid) {
      return Outcome.UNMATCHED;
    }
    sendTime = calls.remove(reply.id);
    if (sendTime == InFlightCalls.NOT_IN_FLIGHT) {
      return Outcome.UNMATCHED;
    }
    boolean ok =
        reply.status == Status.OK_VALUE
            && !reply.more
            && reply.payloadLength == expectedPayload.remaining()
            && in.slice(reply.payloadOffset, reply.payloadLength).mismatch(expectedPayload) < 0;
    return ok ? Outcome.OK : Outcome.FAILED;
  }

  /** The send time (nanos) of the request the last checked reply completed. */
  long sendTime() {
    return sendTime;
  }

  /** What was wrong with the last checked reply, for humans (allocates). */
  String describe() {
    if (!valid) {
      return "a frame of " + bodyLength + " bytes that is not a valid Reply";
    }
    String what = String.format("reply id %d: ", reply.id);
    if (sendTime == InFlightCalls.NOT_IN_FLIGHT) {
      return what + status() + ", but no request with this id is in flight";
    }
    if (reply.status != Status.OK_VALUE || reply.more) {
      return what + status() + (reply.more ? " with more = true, for a unary call" : "");
    }
    return what
        + String.format(
            "payload of %d bytes differs from the %d bytes sent",
            reply.payloadLength, expectedPayload.remaining());
  }

  private String status() {
    Status status = Status.forNumber(reply.status);
    String error = reply.error();
    return "status "
        + (status == null ? Integer.toString(reply.status) : status.name())
        + (error.isEmpty() ? "" : " (\"" + error + "\")");
  }
}
