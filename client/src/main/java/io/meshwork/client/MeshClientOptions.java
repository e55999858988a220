package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Settings of a {@link MeshClient}. Start from {@link #defaults()} or {@link #builder()}.
 *
 * @param connectTimeout how long {@link MeshClient#connect(java.net.InetSocketAddress,
 *     MeshClientOptions)} waits for the TCP connection to be established
 * @param defaultDeadline the deadline of calls that do not give one; sent to the node as {@code
 *     deadline_ms}
 * @param maxReplyFrameBytes the largest reply frame (body bytes, without the length prefix) the
 *     client accepts; a larger one closes the connection, because the stream cannot be
 *     resynchronised after it
 * @param reconnect whether the client reconnects to a node whose connection was lost (or that
 *     could not be reached at first), in the background, with exponential backoff
 * @param reconnectMinBackoff the wait before the first reconnection attempt; it doubles after
 *     each failed attempt, with up to 20% random jitter
 * @param reconnectMaxBackoff the longest wait between two attempts
 * @param resendOnConnectionLoss whether a call whose connection closes before its reply arrives is
 *     sent again, once, to another connected node (within what is left of its deadline). Only for
 *     calls that are safe to repeat: after a node crashed, such a call may have been served. After
 *     a node's graceful shutdown it never was: a draining node answers every request it has read
 *     before it closes the connection.
 * @param tls TLS to the nodes ({@link ClientTls}); null: plain TCP
 */
public record MeshClientOptions(
    Duration connectTimeout,
    Duration defaultDeadline,
    int maxReplyFrameBytes,
    boolean reconnect,
    Duration reconnectMinBackoff,
    Duration reconnectMaxBackoff,
    boolean resendOnConnectionLoss,
    ClientTls tls) {

  /** 5 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** 5 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

  /** 1 MiB, the node's default maximum frame size. */
  public static final int DEFAULT_MAX_REPLY_FRAME_BYTES = 1024 * 1024;

  /** 100 milliseconds. */
  public static final Duration DEFAULT_RECONNECT_MIN_BACKOFF = Duration.ofMillis(100);

  /** 5 seconds. */
  public static final Duration DEFAULT_RECONNECT_MAX_BACKOFF = Duration.ofSeconds(5);

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
    requireNonNull(reconnectMinBackoff, "reconnectMinBackoff");
    requireNonNull(reconnectMaxBackoff, "reconnectMaxBackoff");
    if (reconnectMinBackoff.isNegative()
        || reconnectMinBackoff.isZero()
        || reconnectMaxBackoff.compareTo(reconnectMinBackoff) < 0) {
      throw new IllegalArgumentException(
          "reconnect backoff: " + reconnectMinBackoff + " to " + reconnectMaxBackoff
              + " (expected: 0 < min <= max)");
    }
  }

  /**
   * Connect timeout 5 s, default deadline 5 s, replies up to 1 MiB, reconnection on with a
   * backoff from 100 ms to 5 s, plain TCP.
   */
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
    private boolean reconnect = true;
    private Duration reconnectMinBackoff = DEFAULT_RECONNECT_MIN_BACKOFF;
    private Duration reconnectMaxBackoff = DEFAULT_RECONNECT_MAX_BACKOFF;
    private boolean resendOnConnectionLoss;
    private ClientTls tls;

    private Builder() {}

    /** See {@link MeshClientOptions#tls()}; null (the default): plain TCP. */
    public Builder tls(ClientTls tls) {
      this.tls = tls;
      return this;
    }

    /** See {@link MeshClientOptions#resendOnConnectionLoss()}; off by default. */
    public Builder resendOnConnectionLoss(boolean resend) {
      this.resendOnConnectionLoss = resend;
      return this;
    }

    /** See {@link MeshClientOptions#reconnect()}. */
    public Builder reconnect(boolean reconnect) {
      this.reconnect = reconnect;
      return this;
    }

    /** See {@link MeshClientOptions#reconnectMinBackoff()} and {@link #reconnectMaxBackoff()}. */
    public Builder reconnectBackoff(Duration min, Duration max) {
      this.reconnectMinBackoff = requireNonNull(min, "min");
      this.reconnectMaxBackoff = requireNonNull(max, "max");
      return this;
    }

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
      return new MeshClientOptions(
          connectTimeout,
          defaultDeadline,
          maxReplyFrameBytes,
          reconnect,
          reconnectMinBackoff,
          reconnectMaxBackoff,
          resendOnConnectionLoss,
          tls);
    }
  }
}
