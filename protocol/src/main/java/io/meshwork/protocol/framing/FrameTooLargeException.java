package io.meshwork.protocol.framing;

/** A length prefix announced a frame larger than the configured maximum. */
public final class FrameTooLargeException extends FrameException {
  private static final long serialVersionUID = 1L;

  private final long frameBytes;
  private final int maxFrameBytes;

  public FrameTooLargeException(long frameBytes, int maxFrameBytes) {
    super(
        "frame of "
            + frameBytes
            + " bytes exceeds the maximum frame size of "
            + maxFrameBytes
            + " bytes");
    this.frameBytes = frameBytes;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** The length the prefix announced, in bytes (up to 2^32 - 1). */
  public long frameBytes() {
    return frameBytes;
  }

  /** The limit it exceeded, in bytes. */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }
}
