package io.meshwork.node.endpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes one length-prefixed {@code meshwork.v1.Reply} frame straight from its fields, without
 * building a {@code Reply} message first: one array per reply on the hot path. The bytes are exactly
 * what {@code Reply.writeDelimitedTo} writes (fields in number order, proto3 defaults omitted);
 * {@code ReplyEncoderTest} holds it to that.
 */
final class ReplyEncoder {
  private static final int ID = 1;
  private static final int STATUS = 2;
  private static final int PAYLOAD = 3;
  private static final int ERROR = 4;
  private static final int MORE = 5;

  private ReplyEncoder() {}

  static byte[] encode(long id, Status status, ByteString payload, String error, boolean more) {
    int statusNumber = status.getNumber();
    int size = 0;
    if (id != 0) {
      size += CodedOutputStream.computeUInt64Size(ID, id);
    }
    if (statusNumber != 0) {
      size += CodedOutputStream.computeEnumSize(STATUS, statusNumber);
    }
    if (!payload.isEmpty()) {
      size += CodedOutputStream.computeBytesSize(PAYLOAD, payload);
    }
    if (!error.isEmpty()) {
      size += CodedOutputStream.computeStringSize(ERROR, error);
    }
    if (more) {
      size += CodedOutputStream.computeBoolSize(MORE, true);
    }
    byte[] frame = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
    CodedOutputStream out = CodedOutputStream.newInstance(frame);
    try {
      out.writeUInt32NoTag(size);
      if (id != 0) {
        out.writeUInt64(ID, id);
      }
      if (statusNumber != 0) {
        out.writeEnum(STATUS, statusNumber);
      }
      if (!payload.isEmpty()) {
        out.writeBytes(PAYLOAD, payload);
      }
      if (!error.isEmpty()) {
        out.writeString(ERROR, error);
      }
      if (more) {
        out.writeBool(MORE, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("encoding into an array cannot fail", e);
    }
    out.checkNoSpaceLeft();
    return frame;
  }
}
