package io.meshwork.node.testing;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Random bytes, text and protobuf-shaped bytes for {@link FuzzInputs}, and varint helpers. */
public final class FuzzBytes {
  private final Random random;

  FuzzBytes(Random random) {
    this.random = random;
  }

  byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Bytes that look like protobuf: random fields, wire types (some invalid), lengths and nesting. */
  byte[] protobufShaped(int fields, int depth) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(body);
    try {
      for (int i = 0; i < fields; i++) {
        int field = random.nextInt(10) == 0 ? 1 + random.nextInt((1 << 29) - 1) : 1 + random.nextInt(8);
        int wireType = random.nextInt(10) == 0 ? random.nextInt(8) : new int[] {0, 1, 2, 5}[random.nextInt(4)];
        out.writeUInt32NoTag(random.nextInt(50) == 0 ? random.nextInt() : (field << 3) | wireType);
        switch (wireType) {
          case 0 -> out.writeUInt64NoTag(extremeLong());
          case 1 -> out.writeFixed64NoTag(random.nextLong());
          case 2 -> {
            byte[] value =
                depth > 0 && random.nextBoolean()
                    ? protobufShaped(1 + random.nextInt(4), depth - 1)
                    : random.nextBoolean()
                        ? randomText(random.nextInt(12)).getBytes(StandardCharsets.UTF_8)
                        : randomBytes(random.nextInt(12));
            int declared = random.nextInt(20) == 0 ? value.length + 1 + random.nextInt(100) : value.length;
            out.writeUInt32NoTag(declared);
            out.writeRawBytes(value);
          }
          case 5 -> out.writeFixed32NoTag(random.nextInt());
          default -> out.writeRawBytes(randomBytes(random.nextInt(4))); // groups and invalid types
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return body.toByteArray();
  }

  long extremeLong() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> Long.MAX_VALUE;
      case 3 -> Integer.MAX_VALUE + 1L;
      case 4 -> random.nextInt(300);
      default -> random.nextLong();
    };
  }

  byte[] mutate(byte[] body) {
    byte[] b = body;
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int at = b.length == 0 ? 0 : random.nextInt(b.length);
      switch (random.nextInt(6)) {
        case 0 -> {
          if (b.length > 0) {
            b[at] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> {
          if (b.length > 0) {
            b[at] = (byte) random.nextInt(256);
          }
        }
        case 2 -> b = concat(Arrays.copyOfRange(b, 0, at), new byte[] {(byte) random.nextInt(256)}, Arrays.copyOfRange(b, at, b.length));
        case 3 -> {
          if (b.length > 0) {
            b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + 1, b.length));
          }
        }
        case 4 -> b = Arrays.copyOf(b, at); // truncated
        default -> b = concat(b, protobufShaped(1 + random.nextInt(3), 1)); // extra fields
      }
    }
    return b;
  }

  /** Any code points, including control characters, surrogate pairs and non-characters. */
  String randomText(int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int cp;
      do {
        cp = switch (random.nextInt(4)) {
          case 0 -> random.nextInt(0x20);
          case 1 -> 0x20 + random.nextInt(0x5f);
          case 2 -> random.nextInt(0x10000);
          default -> random.nextInt(0x110000);
        };
      } while (cp >= 0xD800 && cp <= 0xDFFF); // lone surrogates are not text
      s.appendCodePoint(cp);
    }
    return s.toString();
  }

  public static byte[] delimited(byte[] body) {
    return concat(varint(body.length), body);
  }

  public static byte[] varint(long value) {
    return varint64(value);
  }

  static byte[] varint64(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(10);
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] all = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
