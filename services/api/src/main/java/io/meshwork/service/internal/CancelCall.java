package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Tells a service instance that nobody wants the rest of a streaming call any more: its client
 * disconnected, or could not keep up and the node ended the stream. Identified as the call was:
 * by its call id and reply path.
 */
public record CancelCall(long callId, ActorRef<ReplyMessage> replyTo, String reason)
    implements CallMessage {
  public CancelCall {
    requireNonNull(replyTo, "replyTo");
    requireNonNull(reason, "reason");
  }
}
