package io.meshwork.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** One client connection of a {@link LoadWorker}: its buffers and its requests in flight. */
final class LoadConnection {
  final int index;
  final SocketChannel channel;
  final InFlightCalls calls;
  SelectionKey key;

  /** Received bytes not yet parsed (write mode: data in [0, position)). */
  ByteBuffer in;

  /** Encoded requests not yet written (write mode: data in [0, position)). */
  ByteBuffer out;

  /** Queued for a write at the end of this selector round. */
  boolean dirty;

  /** The socket did not take everything: OP_WRITE is set until it does. */
  boolean writeBlocked;

  boolean open = true;

  LoadConnection(
      int index, SocketChannel channel, int inBytes, int outBytes, int expectedInFlight) {
    this.index = index;
    this.channel = channel;
    this.in = ByteBuffer.allocateDirect(inBytes);
    this.out = ByteBuffer.allocateDirect(outBytes);
    this.calls = new InFlightCalls(expectedInFlight);
  }

  /** Makes room for {@code bytes} more in {@code buffer} (write mode), keeping its content. */
  static ByteBuffer ensureRoom(ByteBuffer buffer, int bytes) {
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
