package io.meshwork.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The fields of one {@code meshwork.v1.Reply} body, read in place from a buffer without allocating:
 * the load generator checks every reply and must stay cheap. Reused for every reply.
 *
 * <p>Follows protobuf's rules: fields in any order, the last occurrence of a field wins, unknown
 * fields are skipped, absent fields hold their defaults.
 */
final class ReplyView {
  long id;
  int status;
  boolean more;
  int payloadOffset;
  int payloadLength;
  private ByteBuffer buffer;
  private int errorOffset;
  private int errorLength;
  private int pos;
  private int end;

  /**
   * Reads the body at absolute positions {@code [offset, offset + length)} of {@code buffer}; false
   * when it is not a valid {@code Reply}.
   */
  boolean parse(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    id = 0;
    status = 0;
    more = false;
    payloadOffset = offset;
    payloadLength = 0;
    errorOffset = offset;
    errorLength = 0;
    pos = offset;
    end = offset + length;
    while (pos < end) {
      long tag = readVarint();
      if (pos < 0 || tag >>> 3 == 0 || tag >>> 3 > Integer.MAX_VALUE) {
        return false;
      }
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      boolean known = field <= 5;
      if (wireType == 0) {
        long value = readVarint();
        if (pos < 0) {
          return false;
        }
        switch (field) {
          case 1 -> id = value;
          case 2 -> status = (int) value;
          case 5 -> more = value != 0;
          case 3, 4 -> {
            return false; // a length-delimited field with the wrong wire type
          }
          default -> {} // an unknown field: skipped
        }
      } else if (wireType == 2) {
        long n = readVarint();
        if (pos < 0 || n < 0 || n > end - pos) {
          return false;
        }
        if (field == 3) {
          payloadOffset = pos;
          payloadLength = (int) n;
        } else if (field == 4) {
          errorOffset = pos;
          errorLength = (int) n;
        } else if (known) {
          return false; // a varint field with the wrong wire type
        }
        pos += (int) n;
      } else if ((wireType == 1 || wireType == 5) && !known) {
        pos += wireType == 1 ? 8 : 4;
      } else {
        return false;
      }
    }
    return pos == end;
  }

  /** The error text; for messages about failed calls only (allocates). */
  String error() {
    byte[] bytes = new byte[errorLength];
    buffer.get(errorOffset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A varint of up to ten bytes at {@link #pos}; sets {@link #pos} to -1 if it is malformed. */
  private long readVarint() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        pos = -1;
        return -1;
      }
      byte b = buffer.get(pos++);
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    pos = -1;
    return -1;
  }
}
