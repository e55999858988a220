package io.meshwork.service.internal;

import io.meshwork.service.StreamCall;

/** Where a hosting instance keeps its open streams, so that a {@link CancelCall} finds them. */
public interface StreamRegistry {
  void opened(StreamCall<?, ?> stream);

  void ended(StreamCall<?, ?> stream);
}
