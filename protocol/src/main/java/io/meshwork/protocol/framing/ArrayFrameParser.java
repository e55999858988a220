package io.meshwork.protocol.framing;

import java.util.Arrays;

/**
 * An incremental varint32 frame parser over byte arrays, for a read loop that wants each frame as
 * a slice of the bytes it received rather than a copy: the node's connection stage parses every
 * frame of a TCP read straight from the read's array, and protobuf parses the body in place (its
 * bytes fields alias the array).
 *
 * <p>Offer each received array with {@link #offer}, then call {@link #next} until it returns false;
 * after each true, {@link #frameArray()}, {@link #frameOffset()} and {@link #frameLength()}
 * describe the frame's body. A frame that lies whole inside one offered array is a slice of that
 * array, which therefore must never be modified after it is offered. A frame that spans several
 * arrays is assembled into a fresh array of its own (grown as its bytes arrive, so a large length
 * prefix alone reserves no memory). Either way a frame's bytes stay valid for as long as anyone
 * holds them.
 *
 * <p>The same rules as {@link FrameParser}: a prefix above {@code maxFrameBytes} throws {@link
 * FrameTooLargeException} as soon as the prefix is complete; a fifth prefix byte with the
 * continuation bit or bits above the 32nd throws {@link CorruptedFrameException}; non-minimal
 * prefixes of up to five bytes are accepted. After an exception the parser must not be used again
 * (the byte stream cannot be resynchronised). Not thread-safe.
 */
public final class ArrayFrameParser {
  private final int maxFrameBytes;

  // The array being parsed: [pos, limit) not yet consumed.
  private byte[] chunk = new byte[0];
  private int pos;
  private int limit;

  // A length prefix split across arrays.
  private int prefixBytes;
  private long prefixValue;

  // A body split across arrays: assembly[0, filled) of bodyLength, after a prefix of
  // assemblyPrefixBytes (counted as buffered: a prefix alone is already part of a frame).
  private byte[] assembly;
  private int assemblyPrefixBytes;
  private int filled;
  private int bodyLength;

  // The frame returned by the last successful next().
  private byte[] frameArray;
  private int frameOffset;
  private int frameLength;

  public ArrayFrameParser(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: > 0)");
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Hands over the next received bytes. Call only once {@link #next} has returned false for the
   * previous array (everything in it is consumed).
   */
  public void offer(byte[] bytes, int offset, int length) {
    if (pos < limit) {
      throw new IllegalStateException(
          (limit - pos) + " bytes of the previous array are not consumed yet (call next() first)");
    }
    chunk = bytes;
    pos = offset;
    limit = offset + length;
  }

  /**
   * True when the last offered array is consumed, so that {@link #offer} may be called: a caller
   * that stops calling {@link #next} early (e.g. for backpressure) must not read more until then.
   */
  public boolean needsInput() {
    return pos >= limit;
  }

  /** Bytes received but not yet returned as frames, prefixes included. */
  public int buffered() {
    return (limit - pos) + prefixBytes + (assembly == null ? 0 : assemblyPrefixBytes + filled);
  }

  /**
   * Bytes this parser holds of its own: the array a frame split across offered arrays is being
   * assembled in (its capacity, at most twice what has arrived). Offered arrays are the caller's.
   */
  public int assemblyBytes() {
    return assembly == null ? 0 : assembly.length;
  }

  /** True while a frame has begun (some of its prefix or body arrived) but is not complete. */
  public boolean inFrame() {
    return prefixBytes > 0 || assembly != null;
  }

  /** Drops everything buffered, e.g. after a framing error. */
  public void clear() {
    chunk = new byte[0];
    pos = 0;
    limit = 0;
    prefixBytes = 0;
    prefixValue = 0;
    assembly = null;
    filled = 0;
  }

  /**
   * Advances to the next complete frame: true when there is one (see {@link #frameArray()}), false
   * when the bytes offered so far are used up.
   *
   * @throws FrameException when the bytes cannot be framed
   */
  public boolean next() {
    if (assembly != null) {
      return continueAssembly();
    }
    while (pos < limit) {
      int b = chunk[pos++] & 0xff;
      if (prefixBytes == Varint.MAX_VARINT32_BYTES - 1 && b > 0x0f) {
        throw new CorruptedFrameException(
            String.format(
                "length prefix is not a valid varint32: fifth byte 0x%02x (expected: 0x00 to"
                    + " 0x0f, as a varint32 ends by its fifth byte)",
                b));
      }
      prefixValue |= (long) (b & 0x7f) << (7 * prefixBytes);
      prefixBytes++;
      if ((b & 0x80) == 0) {
        long length = prefixValue;
        int lengthBytes = prefixBytes;
        prefixBytes = 0;
        prefixValue = 0;
        if (length > maxFrameBytes) {
          throw new FrameTooLargeException(length, maxFrameBytes);
        }
        return startBody((int) length, lengthBytes);
      }
    }
    return false;
  }

  private boolean startBody(int length, int lengthBytes) {
    if (length <= limit - pos) {
      frameArray = chunk;
      frameOffset = pos;
      frameLength = length;
      pos += length;
      return true;
    }
    bodyLength = length;
    assemblyPrefixBytes = lengthBytes;
    // Only what has arrived: a prefix announcing a large frame reserves nothing (a client could
    // otherwise make the node hold max-frame-size per connection with a few bytes each).
    assembly = new byte[limit - pos];
    filled = 0;
    return continueAssembly();
  }

  private boolean continueAssembly() {
    int take = Math.min(bodyLength - filled, limit - pos);
    if (filled + take > assembly.length) {
      assembly = Arrays.copyOf(assembly, Math.min(bodyLength, Math.max(filled + take, assembly.length * 2)));
    }
    System.arraycopy(chunk, pos, assembly, filled, take);
    pos += take;
    filled += take;
    if (filled < bodyLength) {
      return false;
    }
    frameArray = assembly;
    frameOffset = 0;
    frameLength = bodyLength;
    assembly = null;
    filled = 0;
    return true;
  }

  /** The array holding the current frame's body. */
  public byte[] frameArray() {
    return frameArray;
  }

  public int frameOffset() {
    return frameOffset;
  }

  public int frameLength() {
    return frameLength;
  }
}
