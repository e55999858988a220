package io.meshwork.protocol.framing;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The frame layout shared by every Meshwork connection:
 *
 * <pre>
 * +----------------------------+---------------------------+
 * | length: base-128 varint32  | body: `length` bytes      |
 * | (1 to 5 bytes, LSB first)  | (one protobuf message)    |
 * +----------------------------+---------------------------+
 * </pre>
 *
 * <p>Exactly what protobuf's {@code writeDelimitedTo} writes and {@code parseDelimitedFrom} reads.
 */
public final class Varint {
  /** A varint32 never takes more than five bytes. */
  public static final int MAX_VARINT32_BYTES = 5;

  private Varint() {}

  /** Encodes {@code message} as one length-prefixed frame in a fresh array. */
  public static byte[] encodeFrame(MessageLite message) {
    int size = message.getSerializedSize();
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      cos.writeUInt32NoTag(size);
      message.writeTo(cos);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding into an array cannot fail", e);
    }
    cos.checkNoSpaceLeft();
    return out;
  }

  /** The number of bytes of the varint32 encoding of {@code value}. */
  public static int sizeOf(int value) {
    return CodedOutputStream.computeUInt32SizeNoTag(value);
  }
}
