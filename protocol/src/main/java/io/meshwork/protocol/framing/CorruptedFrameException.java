package io.meshwork.protocol.framing;

/** A length prefix that is not a valid varint32, or a stream that ended inside a frame. */
public final class CorruptedFrameException extends FrameException {
  private static final long serialVersionUID = 1L;

  public CorruptedFrameException(String message) {
    super(message);
  }
}
