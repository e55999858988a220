package io.meshwork.service.internal;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a {@link io.meshwork.service.Call} delivers its answer: straight to the reply path, or
 * into the hosting instance's batch of replies while it handles a batch of calls.
 */
@FunctionalInterface
public interface ReplySink {
  /** Sends every result at once: no batching. */
  ReplySink DIRECT = ActorRef::tell;

  void send(ActorRef<ReplyMessage> replyTo, CallResult result);
}
