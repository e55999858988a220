package io.meshwork.protocol.framing;

import org.apache.pekko.util.ByteString;

/**
 * The incremental varint32 frame parser behind {@link VarintFrameDecoder}, for code that reads
 * frames in a loop of its own (the node's connection stage parses every frame of a TCP read in one
 * pass instead of one stream element per frame).
 *
 * <p>Feed received bytes with {@link #offer}, then take frames with {@link #next} until it returns
 * null. Bounded: a prefix above {@code maxFrameBytes} throws {@link FrameTooLargeException} as soon
 * as the prefix is complete; a prefix that is not a valid varint32 (a fifth byte with the
 * continuation bit or with bits above the 32nd) throws {@link CorruptedFrameException}.
 * Non-minimal prefixes of up to five bytes are accepted, as protobuf does. Frames are slices of the
 * offered bytes (no copy). Not thread-safe.
 */
public final class FrameParser {
  private final int maxFrameBytes;
  private ByteString buffer = ByteString.emptyByteString();

  public FrameParser(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: > 0)");
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Appends received bytes. */
  public void offer(ByteString bytes) {
    buffer = buffer.isEmpty() ? bytes : buffer.concat(bytes);
  }

  /** Bytes received but not yet returned as frames (a partial frame, or frames not taken yet). */
  public int buffered() {
    return buffer.size();
  }

  /** Drops everything buffered, e.g. after a framing error. */
  public void clear() {
    buffer = ByteString.emptyByteString();
  }

  /**
   * Removes and returns the next complete frame body, or null when more bytes are needed.
   *
   * <p>The whole prefix (at most five bytes) is read before the limit is checked, so a malformed
   * varint is reported as corrupted rather than as a frame of some made-up size.
   *
   * @throws FrameException when the bytes cannot be framed; the stream cannot be resynchronised
   */
  public ByteString next() {
    int available = buffer.size();
    long length = 0;
    for (int i = 0; i < Varint.MAX_VARINT32_BYTES; i++) {
      if (i >= available) {
        return null;
      }
      int b = buffer.apply(i) & 0xff;
      if (i == Varint.MAX_VARINT32_BYTES - 1 && b > 0x0f) {
        throw new CorruptedFrameException(
            String.format(
                "length prefix is not a valid varint32: fifth byte 0x%02x (expected: 0x00 to"
                    + " 0x0f, as a varint32 ends by its fifth byte)",
                b));
      }
      length |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return takeFrame(i + 1, length);
      }
    }
    throw new AssertionError("unreachable: a fifth byte with the continuation bit is rejected");
  }

  /** The body that follows a {@code headerBytes}-byte prefix, or null while it is incomplete. */
  private ByteString takeFrame(int headerBytes, long length) {
    if (length > maxFrameBytes) {
      throw new FrameTooLargeException(length, maxFrameBytes);
    }
    long frameEnd = headerBytes + length; // a long: 5 + Integer.MAX_VALUE would overflow
    if (frameEnd > buffer.size()) {
      return null;
    }
    ByteString frame = buffer.slice(headerBytes, (int) frameEnd);
    buffer = buffer.drop((int) frameEnd);
    return frame;
  }
}
