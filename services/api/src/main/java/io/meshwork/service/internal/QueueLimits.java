package io.meshwork.service.internal;

/**
 * Bounds of the queue a hosting instance keeps of a {@code blocking()} service's pending calls
 * ({@link FairCallQueue}): the node's {@code meshwork.service-queue} settings.
 *
 * @param maxCalls calls queued at once for the instance
 * @param maxBytes request payload bytes queued at once for the instance
 */
public record QueueLimits(int maxCalls, long maxBytes) {
  /** The config key of {@link #maxCalls}, named in the OVERLOADED answers it causes. */
  public static final String MAX_CALLS_KEY = "meshwork.service-queue.max-calls";

  /** The config key of {@link #maxBytes}, named in the OVERLOADED answers it causes. */
  public static final String MAX_BYTES_KEY = "meshwork.service-queue.max-bytes";

  /** The node's defaults (mesh-node's reference.conf). */
  public static final QueueLimits DEFAULT = new QueueLimits(10_000, 64L * 1024 * 1024);

  public QueueLimits {
    if (maxCalls < 1) {
      throw new IllegalArgumentException(MAX_CALLS_KEY + ": " + maxCalls + " (expected: > 0)");
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException(MAX_BYTES_KEY + ": " + maxBytes + " (expected: > 0)");
    }
  }
}
