package io.meshwork.protocol.framing;

/**
 * A byte stream that cannot be split into frames. The stream cannot be resynchronised after one of
 * these: the connection has to be closed.
 */
public abstract class FrameException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  FrameException(String message) {
    super(message);
  }
}
