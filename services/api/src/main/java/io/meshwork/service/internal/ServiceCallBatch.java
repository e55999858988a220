package io.meshwork.service.internal;

import java.util.List;

/**
 * Calls for one service instance that a connection read from the same TCP read: one message
 * across the actor boundary (and the network) instead of one per call. Handled in order, exactly
 * as if each had been sent alone.
 */
public record ServiceCallBatch(List<ServiceCall> calls) implements CallMessage {
  public ServiceCallBatch {
    calls = List.copyOf(calls);
  }
}
