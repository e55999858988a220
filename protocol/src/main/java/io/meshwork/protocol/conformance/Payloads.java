package io.meshwork.protocol.conformance;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.conformance.v1.Fill;
import io.meshwork.protocol.conformance.v1.Payload;
import java.util.HexFormat;

/** Turns the suite's readable {@link Payload}s into bytes, and bytes into readable text. */
final class Payloads {
  private static final int SHOWN_BYTES = 32;

  private Payloads() {}

  /** The bytes a payload stands for; an unset payload is empty. */
  static ByteString bytes(Payload payload) {
    return switch (payload.getKindCase()) {
      case HEX -> hex(payload.getHex());
      case UTF8 -> ByteString.copyFromUtf8(payload.getUtf8());
      case FILL -> fill(payload.getFill());
      case STATUS_REQUEST -> payload.getStatusRequest().toByteString();
      case DELAY_REQUEST -> payload.getDelayRequest().toByteString();
      case STREAM_REQUEST -> payload.getStreamRequest().toByteString();
      case CONFORMANCE_REPLY -> payload.getConformanceReply().toByteString();
      case STREAM_ITEM -> payload.getStreamItem().toByteString();
      case KIND_NOT_SET -> ByteString.EMPTY;
    };
  }

  /** Bytes written as hex digits; whitespace between them is ignored. */
  static ByteString hex(String text) {
    String digits = text.replaceAll("\\s+", "");
    try {
      return ByteString.copyFrom(HexFormat.of().parseHex(digits));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "hex: \"" + abbreviate(text) + "\" (expected: pairs of hex digits, spaces allowed)", e);
    }
  }

  private static ByteString fill(Fill fill) {
    byte[] bytes = new byte[fill.getSize()];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i + fill.getOffset());
    }
    return ByteString.copyFrom(bytes);
  }

  /** {@code 0a 02 68 69 (4 bytes)}, at most the first 32 bytes shown. */
  static String describe(ByteString bytes) {
    if (bytes.isEmpty()) {
      return "(empty)";
    }
    StringBuilder out = new StringBuilder();
    int shown = Math.min(bytes.size(), SHOWN_BYTES);
    for (int i = 0; i < shown; i++) {
      if (i > 0) {
        out.append(' ');
      }
      out.append(String.format("%02x", bytes.byteAt(i)));
    }
    if (shown < bytes.size()) {
      out.append(" ...");
    }
    return out.append(" (").append(bytes.size()).append(" bytes)").toString();
  }

  static String abbreviate(String text) {
    return text.length() > 120 ? text.substring(0, 120) + "..." : text;
  }
}
