package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Tells a service instance that nobody wants a call any more: its deadline passed before the
 * answer, its client disconnected, or (for a stream) the client could not keep up and the node
 * ended the stream. Identified as the call was: by its call id and reply path. A call still queued
 * at the instance is dropped; one the service holds is cancelled ({@code Call.onCancel}, {@code
 * StreamCall.onCancel}); an answered or unknown one is ignored.
 */
public record CancelCall(long callId, ActorRef<ReplyMessage> replyTo, String reason)
    implements CallMessage {
  public CancelCall {
    requireNonNull(replyTo, "replyTo");
    requireNonNull(reason, "reason");
  }
}
