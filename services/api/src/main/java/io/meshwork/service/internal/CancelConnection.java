package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Tells a service instance that a client connection has closed: every call of it that the instance
 * still has (queued, held by the service, or streaming) is cancelled at once. One message per
 * instance the connection has calls at, instead of one {@link CancelCall} per call.
 *
 * <p>A connection is named as its calls name it: by their reply path and the high bits of their
 * call ids. A call id is {@code connection << SEQUENCE_BITS | sequence}; {@code replyTo} is the
 * connection's own reply path for calls on its node, or the node's shared reply path for calls
 * forwarded from another node (then {@code connection} tells the node's connections apart).
 *
 * @param connection the connection's number, {@link #connectionOf} of each of its call ids
 */
public record CancelConnection(ActorRef<ReplyMessage> replyTo, long connection, String reason)
    implements CallMessage {
  /** Bits of a call id that number a connection's calls; the bits above number the connection. */
  public static final int SEQUENCE_BITS = 24;

  public CancelConnection {
    requireNonNull(replyTo, "replyTo");
    requireNonNull(reason, "reason");
  }

  /** The number of the connection that made the call {@code callId}. */
  public static long connectionOf(long callId) {
    return callId >>> SEQUENCE_BITS;
  }

  /** True when the call {@code callId} with reply path {@code replyTo} is this connection's. */
  public boolean covers(long callId, ActorRef<ReplyMessage> replyTo) {
    return connectionOf(callId) == connection && this.replyTo.equals(replyTo);
  }
}
