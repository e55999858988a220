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

  /** The announced length (a lower bound when the prefix was cut short as soon as it exceeded). */
  public long frameBytes() {
    return frameBytes;
  }

  public int maxFrameBytes() {
    return maxFrameBytes;
  }
}
