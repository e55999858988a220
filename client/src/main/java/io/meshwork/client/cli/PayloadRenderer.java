package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.TextFormat;
import io.meshwork.protocol.services.v1.InfoReply;
import java.util.HexFormat;
import java.util.Map;

/**
 * Shows a reply payload on a terminal: in protobuf text format for the built-in services whose reply
 * types meshctl knows, as text when it is valid UTF-8 without control characters (tabs and line
 * breaks allowed), otherwise as hex, 16 bytes per line.
 */
final class PayloadRenderer {
  private static final int HEX_BYTES_PER_LINE = 16;
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  /** Reply types of built-in services, by service name. */
  private static final Map<String, Parser<? extends Message>> KNOWN_REPLIES =
      Map.of("info", InfoReply.parser());

  private PayloadRenderer() {}

  /** The reply payload of a call to {@code service}, decoded when meshctl knows its type. */
  static String render(String service, ByteString payload) {
    Parser<? extends Message> parser = KNOWN_REPLIES.get(service);
    if (parser != null && !payload.isEmpty()) {
      try {
        return TextFormat.printer().escapingNonAscii(false).printToString(parser.parseFrom(payload));
      } catch (InvalidProtocolBufferException e) {
        // Not the expected type after all: fall back to text or hex.
      }
    }
    return render(payload);
  }

  /** The payload as lines ending with a line break; empty for an empty payload. */
  static String render(ByteString payload) {
    if (payload.isEmpty()) {
      return "";
    }
    if (isPrintableText(payload)) {
      String text = payload.toStringUtf8();
      return text.endsWith("\n") ? text : text + "\n";
    }
    StringBuilder hex = new StringBuilder();
    byte[] bytes = payload.toByteArray();
    for (int from = 0; from < bytes.length; from += HEX_BYTES_PER_LINE) {
      int to = Math.min(from + HEX_BYTES_PER_LINE, bytes.length);
      hex.append(HEX.formatHex(bytes, from, to)).append('\n');
    }
    return hex.toString();
  }

  static boolean isPrintableText(ByteString payload) {
    return payload.isValidUtf8()
        && payload
            .toStringUtf8()
            .codePoints()
            .allMatch(c -> c == '\n' || c == '\r' || c == '\t' || isVisible(c));
  }

  private static boolean isVisible(int codePoint) {
    if (codePoint == 0x200C || codePoint == 0x200D) {
      return true; // zero-width (non-)joiners hold emoji and Indic text together
    }
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.UNASSIGNED,
          Character.PRIVATE_USE,
          Character.SURROGATE ->
          false;
      default -> true;
    };
  }
}
