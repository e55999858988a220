package io.meshwork.node.endpoint;

import java.util.Map;

/**
 * {@code meshwork.endpoint.max-headers} and {@code max-header-bytes}: how many headers a request
 * may carry and how many bytes of names and values (UTF-8) together. Past either, the request is
 * answered {@code BAD_REQUEST} with the message {@link #violation} gives, and the connection goes on.
 */
final class HeaderLimits {
  private final int maxHeaders;
  private final int maxBytes;

  HeaderLimits(int maxHeaders, int maxBytes) {
    this.maxHeaders = maxHeaders;
    this.maxBytes = maxBytes;
  }

  /** True when {@code count} headers of {@code bytes} bytes are past a limit. */
  boolean exceeded(int count, long bytes) {
    return count > maxHeaders || bytes > maxBytes;
  }

  /** The BAD_REQUEST message for headers of {@code count} entries and {@code bytes}, or null. */
  String violation(int count, long bytes) {
    if (count > maxHeaders) {
      return "headers: "
          + count
          + " entries (expected: at most "
          + maxHeaders
          + ", meshwork.endpoint.max-headers)";
    }
    if (bytes > maxBytes) {
      return "headers: "
          + bytes
          + " bytes of names and values (expected: at most "
          + maxBytes
          + ", meshwork.endpoint.max-header-bytes)";
    }
    return null;
  }

  /** The violation of a parsed map, or null (for requests the generated parser read). */
  String violation(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return null;
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : headers.entrySet()) {
      bytes += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    return violation(headers.size(), bytes);
  }

  static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        n += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
      }
    }
    return n;
  }
}
