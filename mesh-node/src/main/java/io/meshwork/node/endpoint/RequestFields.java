package io.meshwork.node.endpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A parser for the common shape of a {@code meshwork.v1.Request}, in place and without the
 * generated message's builder, input stream and map objects: fields 1 to 5 (id, service, method,
 * payload, deadline_ms) in any order, each at most once or with the last occurrence winning, as
 * protobuf has it. Anything else (headers, an unknown field, a wrong wire type, a malformed varint,
 * a truncated field, invalid UTF-8) makes {@link #parse} return false, and the caller parses the
 * frame with the generated parser, which has the full semantics and the exact error messages.
 *
 * <p>One per connection and reused: the service and method names of consecutive requests are
 * almost always the same, so their strings are kept and reused while the bytes match. Not
 * thread-safe.
 */
final class RequestFields {
  long id;
  String service;
  String method;
  ByteString payload;
  int deadlineMs;

  private byte[] serviceBytes = new byte[0];
  private String serviceString = "";
  private byte[] methodBytes = new byte[0];
  private String methodString = "";

  private byte[] buf;
  private int pos;
  private int limit;

  /** Parses {@code bytes[offset, offset + length)}; false when the generated parser must do it. */
  boolean parse(byte[] bytes, int offset, int length) {
    buf = bytes;
    pos = offset;
    limit = offset + length;
    id = 0;
    service = "";
    method = "";
    payload = ByteString.EMPTY;
    deadlineMs = 0;
    while (pos < limit) {
      long tag = varint();
      if (malformed || tag > Integer.MAX_VALUE) {
        return false;
      }
      switch ((int) tag) {
        case (1 << 3) -> { // id, varint
          long v = varint();
          if (malformed) {
            return false;
          }
          id = v;
        }
        case (2 << 3) | 2 -> {
          int len = length();
          if (len < 0) {
            return false;
          }
          String s = serviceName(pos, len);
          if (s == null) {
            return false;
          }
          service = s;
          pos += len;
        }
        case (3 << 3) | 2 -> {
          int len = length();
          if (len < 0) {
            return false;
          }
          String s = methodName(pos, len);
          if (s == null) {
            return false;
          }
          method = s;
          pos += len;
        }
        case (4 << 3) | 2 -> {
          int len = length();
          if (len < 0) {
            return false;
          }
          payload = len == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(buf, pos, len);
          pos += len;
        }
        case (5 << 3) -> { // deadline_ms, uint32: the low 32 bits of the varint
          long v = varint();
          if (malformed) {
            return false;
          }
          deadlineMs = (int) v;
        }
        default -> {
          return false; // headers, unknown fields, wrong wire types: the generated parser's job
        }
      }
    }
    return true;
  }

  private boolean malformed;

  /** A varint of up to ten bytes; sets {@link #malformed} (and returns -1) when it is not one. */
  private long varint() {
    malformed = false;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        malformed = true;
        return -1;
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    malformed = true;
    return -1;
  }

  /** A length prefix that fits in what is left, or -1. */
  private int length() {
    long len = varint();
    if (malformed || len < 0 || len > limit - pos) {
      return -1;
    }
    return (int) len;
  }

  private String serviceName(int offset, int len) {
    if (equal(serviceBytes, offset, len)) {
      return serviceString;
    }
    String s = decode(offset, len);
    if (s != null) {
      serviceBytes = Arrays.copyOfRange(buf, offset, offset + len);
      serviceString = s;
    }
    return s;
  }

  private String methodName(int offset, int len) {
    if (equal(methodBytes, offset, len)) {
      return methodString;
    }
    String s = decode(offset, len);
    if (s != null) {
      methodBytes = Arrays.copyOfRange(buf, offset, offset + len);
      methodString = s;
    }
    return s;
  }

  private boolean equal(byte[] known, int offset, int len) {
    return known.length == len && Arrays.equals(known, 0, len, buf, offset, offset + len);
  }

  /** The UTF-8 string, or null when the bytes are not valid UTF-8 (protobuf rejects those). */
  private String decode(int offset, int len) {
    if (len == 0) {
      return "";
    }
    if (!UnsafeByteOperations.unsafeWrap(buf, offset, len).isValidUtf8()) {
      return null;
    }
    return new String(buf, offset, len, StandardCharsets.UTF_8);
  }
}
