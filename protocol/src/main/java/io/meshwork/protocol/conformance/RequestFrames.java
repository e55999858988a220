package io.meshwork.protocol.conformance;

import io.meshwork.protocol.conformance.v1.Frame;
import io.meshwork.protocol.conformance.v1.OutRequest;
import io.meshwork.protocol.v1.Request;
import java.io.ByteArrayOutputStream;

/** Builds the exact bytes of the suite's frames. */
final class RequestFrames {
  private static final int MAX_PREFIX_BYTES = 5;

  private RequestFrames() {}

  static byte[] bytes(Frame frame) {
    return switch (frame.getKindCase()) {
      case REQUEST -> request(frame.getRequest());
      case RAW_HEX -> Payloads.hex(frame.getRawHex()).toByteArray();
      case KIND_NOT_SET -> throw new IllegalArgumentException("frame: empty (expected: request or raw_hex)");
    };
  }

  /**
   * A request as a frame: the varint length prefix, in its shortest form or padded to {@code
   * prefix_bytes}, then the body.
   *
   * <pre>
   *   body of 5 bytes, prefix_bytes 0: 05 | body
   *   body of 5 bytes, prefix_bytes 3: 85 80 00 | body   (low 7 bits first, 0x80 = more follows)
   * </pre>
   */
  static byte[] request(OutRequest out) {
    byte[] body =
        Request.newBuilder()
            .setId(out.getId())
            .setService(out.getService())
            .setMethod(out.getMethod())
            .setPayload(Payloads.bytes(out.getPayload()))
            .setDeadlineMs(out.getDeadlineMs())
            .putAllHeaders(out.getHeadersMap())
            .build()
            .toByteArray();
    ByteArrayOutputStream frame = new ByteArrayOutputStream(body.length + MAX_PREFIX_BYTES);
    writePrefix(frame, body.length, out.getPrefixBytes());
    frame.writeBytes(body);
    return frame.toByteArray();
  }

  static void writePrefix(ByteArrayOutputStream out, int length, int prefixBytes) {
    int shortest = 1;
    for (int rest = length >>> 7; rest != 0; rest >>>= 7) {
      shortest++;
    }
    int bytes = prefixBytes == 0 ? shortest : prefixBytes;
    if (bytes < shortest || bytes > MAX_PREFIX_BYTES) {
      throw new IllegalArgumentException(
          "prefix_bytes: "
              + prefixBytes
              + " (expected: 0, or "
              + shortest
              + " to "
              + MAX_PREFIX_BYTES
              + " for a body of "
              + length
              + " bytes)");
    }
    for (int i = 0; i < bytes; i++) {
      int group = (length >>> (7 * i)) & 0x7f;
      out.write(i < bytes - 1 ? group | 0x80 : group);
    }
  }
}
