package io.meshwork.node.endpoint;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Encodes one length-prefixed {@code meshwork.v1.Reply} frame straight from its fields, without
 * building a {@code Reply} message first. A large payload is not copied: the frame is the encoded
 * fields before it, the payload's own bytes, and the fields after it, as one Pekko {@code
 * ByteString} (the TCP write copies them once, into the socket buffer). The bytes are exactly what
 * {@code Reply.writeDelimitedTo} writes (fields in number order, proto3 defaults omitted);
 * {@code ReplyEncoderTest} holds it to that.
 */
final class ReplyEncoder {
  private static final int ID = 1;
  private static final int STATUS = 2;
  private static final int PAYLOAD = 3;
  private static final int ERROR = 4;
  private static final int MORE = 5;

  /** Below this, copying the payload is cheaper than a rope of three pieces. */
  static final int ZERO_COPY_MIN_PAYLOAD = 1024;

  private ReplyEncoder() {}

  static org.apache.pekko.util.ByteString encode(
      long id, Status status, ByteString payload, String error, boolean more) {
    int statusNumber = status.getNumber();
    int head = 0;
    if (id != 0) {
      head += CodedOutputStream.computeUInt64Size(ID, id);
    }
    if (statusNumber != 0) {
      head += CodedOutputStream.computeEnumSize(STATUS, statusNumber);
    }
    int payloadSize = payload.size();
    int payloadField = payloadSize == 0 ? 0 : CodedOutputStream.computeBytesSize(PAYLOAD, payload);
    int tail = 0;
    if (!error.isEmpty()) {
      tail += CodedOutputStream.computeStringSize(ERROR, error);
    }
    if (more) {
      tail += CodedOutputStream.computeBoolSize(MORE, true);
    }
    int size = head + payloadField + tail;
    int prefix = CodedOutputStream.computeUInt32SizeNoTag(size);
    boolean zeroCopy = payloadSize >= ZERO_COPY_MIN_PAYLOAD;
    byte[] first = new byte[prefix + head + (zeroCopy ? payloadField - payloadSize : payloadField + tail)];
    CodedOutputStream out = CodedOutputStream.newInstance(first);
    try {
      out.writeUInt32NoTag(size);
      if (id != 0) {
        out.writeUInt64(ID, id);
      }
      if (statusNumber != 0) {
        out.writeEnum(STATUS, statusNumber);
      }
      if (zeroCopy) {
        out.writeTag(PAYLOAD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(payloadSize);
        out.checkNoSpaceLeft();
        org.apache.pekko.util.ByteString frame =
            org.apache.pekko.util.ByteString.fromArrayUnsafe(first).concat(wrap(payload));
        return tail == 0 ? frame : frame.concat(tail(error, more, tail));
      }
      if (payloadSize != 0) {
        out.writeBytes(PAYLOAD, payload);
      }
      writeTail(out, error, more);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding into an array cannot fail", e);
    }
    out.checkNoSpaceLeft();
    return org.apache.pekko.util.ByteString.fromArrayUnsafe(first);
  }

  private static org.apache.pekko.util.ByteString tail(String error, boolean more, int size)
      throws IOException {
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writeTail(out, error, more);
    out.checkNoSpaceLeft();
    return org.apache.pekko.util.ByteString.fromArrayUnsafe(bytes);
  }

  private static void writeTail(CodedOutputStream out, String error, boolean more)
      throws IOException {
    if (!error.isEmpty()) {
      out.writeString(ERROR, error);
    }
    if (more) {
      out.writeBool(MORE, true);
    }
  }

  /** The payload's bytes as a Pekko ByteString without copying them (they are immutable). */
  private static org.apache.pekko.util.ByteString wrap(ByteString payload) throws IOException {
    Wrapper wrapper = new Wrapper();
    UnsafeByteOperations.unsafeWriteTo(payload, wrapper);
    return wrapper.result;
  }

  /** Collects the slices protobuf hands out; copies only what it offers for copying. */
  private static final class Wrapper extends ByteOutput {
    org.apache.pekko.util.ByteString result = org.apache.pekko.util.ByteString.emptyByteString();

    @Override
    public void writeLazy(byte[] value, int offset, int length) {
      append(org.apache.pekko.util.ByteString.fromArrayUnsafe(value, offset, length));
    }

    @Override
    public void write(byte[] value, int offset, int length) {
      append(org.apache.pekko.util.ByteString.fromArray(value, offset, length));
    }

    @Override
    public void write(byte value) {
      append(org.apache.pekko.util.ByteString.fromArray(new byte[] {value}));
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      append(org.apache.pekko.util.ByteString.fromByteBuffer(value));
    }

    @Override
    public void write(ByteBuffer value) {
      append(org.apache.pekko.util.ByteString.fromByteBuffer(value));
    }

    private void append(org.apache.pekko.util.ByteString bytes) {
      result = result.isEmpty() ? bytes : result.concat(bytes);
    }
  }
}
