package io.meshwork.protocol.framing;

import com.google.protobuf.MessageLite;
import io.meshwork.protocol.v1.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/** Requests whose frames cover every length-prefix width a real client produces, and their bytes. */
final class SampleRequests {
  private SampleRequests() {}

  /** The empty request: serialized size 0, so its frame is the single byte 0x00. */
  static final Request EMPTY = Request.getDefaultInstance();

  /** The README's worked example. */
  static final Request ECHO_HI =
      Request.newBuilder()
          .setId(1)
          .setService("echo")
          .setPayload(com.google.protobuf.ByteString.copyFromUtf8("hi"))
          .build();

  /**
   * Varied sizes in one sequence: 0 and small bodies, the largest body with a 1-byte prefix (127),
   * the smallest with a 2-byte prefix (128), the largest with a 2-byte prefix (16,383) and the
   * smallest with a 3-byte prefix (16,384).
   */
  static List<Request> variedSizes() {
    return List.of(
        EMPTY,
        ECHO_HI,
        Request.newBuilder()
            .setId(2)
            .setService("info")
            .setMethod("get")
            .setDeadlineMs(250)
            .putHeaders("trace", "00-abc-01")
            .build(),
        ofSerializedSize(3, 127),
        ofSerializedSize(4, 128),
        EMPTY,
        ofSerializedSize(5, 16_383),
        ofSerializedSize(6, 16_384),
        ECHO_HI);
  }

  /** A request with the given id whose serialized size is exactly {@code size} bytes. */
  static Request ofSerializedSize(long id, int size) {
    for (String service : List.of("echo", "")) {
      for (int payloadBytes = size; payloadBytes >= 0; payloadBytes--) {
        Request request =
            Request.newBuilder()
                .setId(id)
                .setService(service)
                .setPayload(payload(payloadBytes))
                .build();
        if (request.getSerializedSize() == size) {
          return request;
        }
      }
    }
    throw new IllegalArgumentException("no request of exactly " + size + " bytes with id " + id);
  }

  /** A deterministic, non-uniform payload, so a misplaced slice cannot go unnoticed. */
  static com.google.protobuf.ByteString payload(int bytes) {
    byte[] data = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    return com.google.protobuf.ByteString.copyFrom(data);
  }

  /** What protobuf's own {@code writeDelimitedTo} writes for these messages, back to back. */
  static byte[] writtenDelimited(List<? extends MessageLite> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (MessageLite message : messages) {
        message.writeDelimitedTo(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The serialized messages, i.e. the frame bodies a decoder must emit for them. */
  static List<ByteString> bodies(List<? extends MessageLite> messages) {
    List<ByteString> bodies = new ArrayList<>();
    for (MessageLite message : messages) {
      bodies.add(ByteString.fromArrayUnsafe(message.toByteArray()));
    }
    return bodies;
  }

  /** {@code bytes} as a Pekko ByteString, from int literals so tests can write 0xFF. */
  static ByteString bytes(int... values) {
    byte[] data = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      data[i] = (byte) values[i];
    }
    return ByteString.fromArrayUnsafe(data);
  }
}
