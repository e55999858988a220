package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Settings of one {@link MeshClient} connection. Start from {@link #defaults()} or {@link
 * #builder()}.
 *
 * @param connectTimeout how long {@link MeshClient#connect(java.net.InetSocketAddress,
 *     MeshClientOptions)} waits for the TCP connection to be established
 * @param defaultDeadline the deadline of calls that do not give one; sent to the node as {@code
 *     deadline_ms}
 * @param maxReplyFrameBytes the largest reply frame (body bytes, without the length prefix) the
 *     client accepts; a larger one closes the connection, because the stream cannot be
 *     resynchronised after it
 */
public record MeshClientOptions(
    Duration connectTimeout, Duration defaultDeadline, int maxReplyFrameBytes) {

  /** 5 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** 5 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

  /** 1 MiB, the node's default maximum frame size. */
  public static final int DEFAULT_MAX_REPLY_FRAME_BYTES = 1024 * 1024;

  /** The longest deadline the protocol can carry: {@code deadline_ms} is a uint32. */
  public static final Duration MAX_DEADLINE = Duration.ofMillis(0xFFFF_FFFFL);

  /** Validates every setting. */
  public MeshClientOptions {
    requireNonNull(connectTimeout, "connectTimeout");
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
    }
    checkDeadline(defaultDeadline, "defaultDeadline");
    if (maxReplyFrameBytes <= 0) {
      throw new IllegalArgumentException(
          "maxReplyFrameBytes: " + maxReplyFrameBytes + " (expected: > 0)");
    }
  }

  /** Connect timeout 5 s, default deadline 5 s, replies up to 1 MiB. */
  public static MeshClientOptions defaults() {
    return builder().build();
  }

  /** A builder that starts from the {@linkplain #defaults() defaults}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Throws unless {@code deadline} is positive and fits the protocol's {@code deadline_ms}. */
  static Duration checkDeadline(Duration deadline, String name) {
    requireNonNull(deadline, name);
    if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException(
          name + ": " + deadline + " (expected: > 0 and <= " + MAX_DEADLINE + ")");
    }
    return deadline;
  }

  /** Builds {@link MeshClientOptions}; every setting starts at its default. */
  public static final class Builder {
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration defaultDeadline = DEFAULT_DEADLINE;
    private int maxReplyFrameBytes = DEFAULT_MAX_REPLY_FRAME_BYTES;

    private Builder() {}

    /** See {@link MeshClientOptions#connectTimeout()}. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout");
      return this;
    }

    /** See {@link MeshClientOptions#defaultDeadline()}. */
    public Builder defaultDeadline(Duration defaultDeadline) {
      this.defaultDeadline = requireNonNull(defaultDeadline, "defaultDeadline");
      return this;
    }

    /** See {@link MeshClientOptions#maxReplyFrameBytes()}. */
    public Builder maxReplyFrameBytes(int maxReplyFrameBytes) {
      this.maxReplyFrameBytes = maxReplyFrameBytes;
      return this;
    }

    /** Validates and returns the options. */
    public MeshClientOptions build() {
      return new MeshClientOptions(connectTimeout, defaultDeadline, maxReplyFrameBytes);
    }
  }
}
