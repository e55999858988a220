package io.meshwork.service.internal;

import java.util.List;

/**
 * Reply frames for one reply path produced while a service instance handled one batch of calls:
 * one message across the actor boundary (and the network) instead of one per reply.
 */
public record CallResultBatch(List<CallResult> results) implements ReplyMessage {
  public CallResultBatch {
    results = List.copyOf(results);
  }
}
