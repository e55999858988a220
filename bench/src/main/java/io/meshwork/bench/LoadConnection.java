package io.meshwork.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection of a {@link LoadWorker}: its socket, its buffers and its requests in
 * flight; splits what it reads into reply frames and writes what is queued.
 */
final class LoadConnection {
  /** Receives each complete reply frame: its body at {@code [offset, offset + length)} of in. */
  interface FrameHandler {
    void onFrame(LoadConnection connection, ByteBuffer in, int offset, int length);
  }

  /** Largest reply frame accepted: the node's default frame limit plus a reply's own fields. */
  private static final int MAX_REPLY_FRAME_BYTES = (1 << 20) + 1024;

  final int index;
  final SocketChannel channel;
  final InFlightCalls calls;
  SelectionKey key;

  /** Queued for a write at the end of this selector round. */
  boolean dirty;

  boolean open = true;

  /** Received bytes not yet parsed (write mode: data in [0, position)). */
  private ByteBuffer in;

  /** Encoded requests not yet written (write mode: data in [0, position)). */
  private ByteBuffer out;

  /** The socket did not take everything: OP_WRITE is set until it does. */
  private boolean writeBlocked;

  LoadConnection(
      int index, SocketChannel channel, int inBytes, int outBytes, int expectedInFlight) {
    this.index = index;
    this.channel = channel;
    this.in = ByteBuffer.allocateDirect(inBytes);
    this.out = ByteBuffer.allocateDirect(outBytes);
    this.calls = new InFlightCalls(expectedInFlight);
  }

  /** The buffer to append requests to, with room for at least {@code bytes} more. */
  ByteBuffer outWithRoom(int bytes) {
    out = withRoom(out, bytes);
    return out;
  }

  /** True while earlier requests wait for the socket (OP_WRITE); they go out with them. */
  boolean writeBlocked() {
    return writeBlocked;
  }

  /** Writes what is queued; what the socket does not take waits for OP_WRITE. */
  void flush() throws IOException {
    out.flip();
    try {
      channel.write(out);
    } finally {
      out.compact();
    }
    boolean blocked = out.position() > 0;
    if (blocked != writeBlocked) {
      writeBlocked = blocked;
      key.interestOps(
          blocked ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }
  }

  /**
   * Reads what the socket has and hands every complete reply frame to {@code handler}; a frame's
   * bytes are valid only during its call. Returns false when the server closed the connection.
   *
   * @throws IOException when reading fails or a length prefix is not a valid varint32 of at most 1
   *     MiB and a bit: the stream cannot be followed any further
   */
  boolean readFrames(FrameHandler handler) throws IOException {
    if (channel.read(in) < 0) {
      return false;
    }
    in.flip();
    int needed = 0;
    while (open) {
      int start = in.position();
      int limit = in.limit();
      int length = 0;
      int i = start;
      boolean prefixComplete = false;
      while (i < limit && i - start < 5) {
        byte b = in.get(i++);
        length |= (b & 0x7f) << (7 * (i - start - 1));
        if (b >= 0) {
          prefixComplete = true;
          break;
        }
      }
      if (!prefixComplete) {
        if (i - start >= 5) {
          throw new IOException("a reply length prefix that is not a valid varint32");
        }
        break;
      }
      if (length < 0 || length > MAX_REPLY_FRAME_BYTES) {
        throw new IOException("a reply frame of " + Integer.toUnsignedString(length) + " bytes");
      }
      if (limit - i < length) {
        needed = i - start + length;
        break;
      }
      handler.onFrame(this, in, i, length);
      in.position(i + length);
    }
    in.compact();
    in = withRoom(in, needed - in.position()); // a frame larger than the buffer
    return true;
  }

  /** Stops using the connection (idempotent). */
  void close() {
    open = false;
    if (key != null) {
      key.cancel();
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Closing is best effort at this point.
    }
  }

  /** {@code buffer} (write mode) with room for {@code bytes} more, keeping its content. */
  private static ByteBuffer withRoom(ByteBuffer buffer, int bytes) {
    if (buffer.remaining() >= bytes) {
      return buffer;
    }
    int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
    ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
    buffer.flip();
    bigger.put(buffer);
    return bigger;
  }
}
