package io.meshwork.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The state {@link NioEchoServer} keeps per connection. Reads and replies go through buffers shared
 * by all connections; a connection holds bytes of its own only while it has a partial frame or
 * unwritten replies, so an idle connection costs little more than its socket.
 */
final class EchoConnection {
  final SocketChannel channel;
  final SelectionKey key;

  /** The start of a frame whose rest has not arrived yet (write mode), or null. */
  ByteBuffer partialFrame;

  /**
   * Replies the socket did not take yet (write mode), or null; reading waits until they are out.
   */
  ByteBuffer unwritten;

  /** Close once {@link #unwritten} is out: the stream cannot be resynchronised. */
  boolean closeAfterWrite;

  EchoConnection(SocketChannel channel, SelectionKey key) {
    this.channel = channel;
    this.key = key;
  }

  /** {@code buffer} (write mode, may be null) with room for {@code bytes} more. */
  static ByteBuffer withRoom(ByteBuffer buffer, int bytes) {
    if (buffer == null) {
      return ByteBuffer.allocate(Math.max(bytes, 4096));
    }
    if (buffer.remaining() >= bytes) {
      return buffer;
    }
    ByteBuffer bigger =
        ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
    buffer.flip();
    return bigger.put(buffer);
  }
}
