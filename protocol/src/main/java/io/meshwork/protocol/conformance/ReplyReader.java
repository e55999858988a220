package io.meshwork.protocol.conformance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * Reads reply frames from a socket with a deadline per read: a frame, a timeout, or the end of the
 * connection. A timeout leaves the connection usable; the bytes of a frame read so far are kept.
 */
final class ReplyReader {
  /** Larger reply frames are a failure of the node (its requests are at most 1 MiB by default). */
  static final int MAX_REPLY_BYTES = 8 << 20;

  sealed interface Event {}

  record Frame(Reply reply) implements Event {}

  record Timeout() implements Event {}

  /** The connection ended: {@code reset} when by a reset rather than an orderly close. */
  record Closed(boolean reset, String detail) implements Event {}

  private final Socket socket;
  private final InputStream in;
  private byte[] buffer = new byte[64 * 1024];
  private int start;
  private int end;
  private Closed closed;

  ReplyReader(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /**
   * The next event before {@code deadlineNanos} ({@link System#nanoTime()}).
   *
   * @throws IllegalStateException when the node sends bytes that are not a valid reply frame
   */
  Event next(long deadlineNanos) throws IOException {
    for (; ; ) {
      Reply reply = parseBuffered();
      if (reply != null) {
        return new Frame(reply);
      }
      if (closed != null) {
        return closed;
      }
      long remainingMs = (deadlineNanos - System.nanoTime()) / 1_000_000;
      if (remainingMs <= 0) {
        return new Timeout();
      }
      if (end == buffer.length) {
        compactOrGrow();
      }
      socket.setSoTimeout((int) Math.min(remainingMs, Integer.MAX_VALUE));
      int n;
      try {
        n = in.read(buffer, end, buffer.length - end);
      } catch (SocketTimeoutException e) {
        return new Timeout();
      } catch (SocketException e) {
        closed = new Closed(true, "connection reset (" + e.getMessage() + ")");
        continue;
      }
      if (n < 0) {
        closed =
            new Closed(
                false,
                end > start
                    ? "connection closed inside a reply frame (" + (end - start) + " bytes of it)"
                    : "connection closed");
      } else {
        end += n;
      }
    }
  }

  /** A whole frame from the buffer, or null when it holds none yet. */
  private Reply parseBuffered() {
    long length = 0;
    int pos = start;
    for (int shift = 0; ; shift += 7) {
      if (pos == end) {
        return null;
      }
      if (shift == 35) {
        throw new IllegalStateException("the node sent a reply length prefix longer than 5 bytes");
      }
      int b = buffer[pos++] & 0xff;
      length |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        break;
      }
    }
    if (length > MAX_REPLY_BYTES) {
      throw new IllegalStateException(
          "the node sent a reply frame of " + length + " bytes (limit " + MAX_REPLY_BYTES + ")");
    }
    if (end - pos < length) {
      if (buffer.length - start < pos - start + length) {
        compactOrGrow(pos - start + (int) length);
      }
      return null;
    }
    try {
      Reply reply = Reply.parseFrom(Arrays.copyOfRange(buffer, pos, pos + (int) length));
      start = pos + (int) length;
      return reply;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "the node sent a frame that is not a meshwork.v1.Reply: " + e.getMessage(), e);
    }
  }

  private void compactOrGrow() {
    compactOrGrow(end - start + 1);
  }

  private void compactOrGrow(int needed) {
    int used = end - start;
    byte[] target = needed > buffer.length ? new byte[Math.max(needed, buffer.length * 2)] : buffer;
    System.arraycopy(buffer, start, target, 0, used);
    buffer = target;
    start = 0;
    end = used;
  }
}
