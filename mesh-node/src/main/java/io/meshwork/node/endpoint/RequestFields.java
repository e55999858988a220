package io.meshwork.node.endpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A parser for the common shape of a {@code meshwork.v1.Request}, in place and without the
 * generated message's builder, input stream and map objects: fields 1 to 5 (id, service, method,
 * payload, deadline_ms) in any order, each at most once or with the last occurrence winning, as
 * protobuf has it, and the headers (field 6, map entries of a key and a value, each optional, the
 * last entry of a key winning), which are the common case once client authentication puts a token
 * in every request. Anything else (an unknown field, also inside a header entry, a wrong wire type,
 * a malformed varint, a truncated field, invalid UTF-8) makes {@link #parse} return false, and the
 * caller parses the frame with the generated parser, which has the full semantics and the exact
 * error messages.
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
  /** The headers: {@code Map.of()} when there are none, else a new unmodifiable map per request. */
  Map<String, String> headers;
  /**
   * The headers' entries and bytes of names and values (UTF-8, as on the wire). Past the limits
   * the remaining entries are skipped, not decoded ({@link #headers} is then empty): a request of
   * a megabyte of headers costs a scan, not a map of thousands of strings.
   */
  int headerCount;

  long headerBytes;

  private final HeaderLimits limits;

  RequestFields(HeaderLimits limits) {
    this.limits = limits;
  }

  /** True when the last request's headers are past the limits (see {@link #headerCount}). */
  boolean headersExceeded() {
    return limits.exceeded(headerCount, headerBytes);
  }

  private byte[] serviceBytes = new byte[0];
  private String serviceString = "";
  private byte[] methodBytes = new byte[0];
  private String methodString = "";
  private byte[] headerNameBytes = new byte[0];
  private String headerNameString = "";
  private String entryKey;
  private String entryValue;

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
    headers = Map.of();
    headerCount = 0;
    headerBytes = 0;
    HashMap<String, String> collected = null;
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
        case (6 << 3) | 2 -> { // one headers entry
          int len = length();
          if (len < 0) {
            return false;
          }
          int end = pos + len;
          headerCount++;
          if (limits.exceeded(headerCount, headerBytes)) {
            headerBytes += len; // past a limit already: counted (about), never decoded
            pos = end;
            continue;
          }
          if (!headerEntry(end)) {
            return false;
          }
          if (collected == null) {
            collected = new HashMap<>(4);
          }
          collected.put(entryKey, entryValue);
          pos = end;
        }
        default -> {
          return false; // unknown fields, wrong wire types: the generated parser's job
        }
      }
    }
    if (headersExceeded()) {
      headers = Map.of(); // answered BAD_REQUEST: what was collected is of no use
    } else if (collected != null) {
      headers = Collections.unmodifiableMap(collected);
    }
    return true;
  }

  /**
   * A map entry ending at {@code end}: key (field 1) and value (field 2), strings, each optional
   * ("" when absent), the last occurrence winning. False for anything else inside it.
   */
  private boolean headerEntry(int end) {
    int outerLimit = limit;
    limit = end;
    try {
      entryKey = "";
      entryValue = "";
      while (pos < limit) {
        long tag = varint();
        if (malformed) {
          return false;
        }
        if (tag != ((1 << 3) | 2) && tag != ((2 << 3) | 2)) {
          return false;
        }
        int len = length();
        if (len < 0) {
          return false;
        }
        headerBytes += len;
        if (tag == ((1 << 3) | 2)) {
          String key = headerName(pos, len);
          if (key == null) {
            return false;
          }
          entryKey = key;
        } else {
          String value = decode(pos, len); // never cached: it may be a token
          if (value == null) {
            return false;
          }
          entryValue = value;
        }
        pos += len;
      }
      return true;
    } finally {
      limit = outerLimit;
    }
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

  /** A header's name: the same few names come with every request, so the last one is kept. */
  private String headerName(int offset, int len) {
    if (equal(headerNameBytes, offset, len)) {
      return headerNameString;
    }
    String s = decode(offset, len);
    if (s != null) {
      headerNameBytes = Arrays.copyOfRange(buf, offset, offset + len);
      headerNameString = s;
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
