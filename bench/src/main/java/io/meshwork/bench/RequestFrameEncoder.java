package io.meshwork.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code meshwork.v1.Request} frames that differ only in their id, byte for byte what
 * protobuf writes, without building a message per request:
 *
 * <pre>
 * +------------------+-------------------+------------------------+------------------------+
 * | varint(body len) | 08 varint(id)     | 12 varint(n) service   | 22 varint(n) payload   |
 * |                  | field 1, id != 0  | field 2, if not empty  | field 4, if not empty  |
 * +------------------+-------------------+------------------------+------------------------+
 *                      \______________________ body ______________________________________/
 * </pre>
 *
 * <p>Everything after the id is the same in every request, so it is encoded once ({@link #tail}).
 */
final class RequestFrameEncoder {
  private static final int MAX_VARINT64_BYTES = 10;

  private final byte[] tail;

  RequestFrameEncoder(String service, byte[] payload) {
    byte[] serviceBytes = service.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer =
        ByteBuffer.allocate(2 * (1 + MAX_VARINT64_BYTES) + serviceBytes.length + payload.length);
    if (serviceBytes.length > 0) {
      buffer.put((byte) 0x12);
      putVarint(buffer, serviceBytes.length);
      buffer.put(serviceBytes);
    }
    if (payload.length > 0) {
      buffer.put((byte) 0x22);
      putVarint(buffer, payload.length);
      buffer.put(payload);
    }
    tail = new byte[buffer.position()];
    buffer.flip().get(tail);
  }

  /** An upper bound of one frame's size, whatever its id. */
  int maxFrameBytes() {
    return 5 + 1 + MAX_VARINT64_BYTES + tail.length;
  }

  /** Appends the frame of the request with {@code id} (> 0) at {@code out}'s position. */
  void write(ByteBuffer out, long id) {
    int bodyLength = 1 + varintSize(id) + tail.length;
    putVarint(out, bodyLength);
    out.put((byte) 0x08);
    putVarint(out, id);
    out.put(tail);
  }

  static void putVarint(ByteBuffer out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.put((byte) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.put((byte) value);
  }

  static int varintSize(long value) {
    int size = 1;
    while ((value & ~0x7fL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }
}
