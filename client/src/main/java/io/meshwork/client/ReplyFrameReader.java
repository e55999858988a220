package io.meshwork.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.framing.CorruptedFrameException;
import io.meshwork.protocol.framing.FrameTooLargeException;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads {@link Reply} frames (varint32 length, then body: see {@link Varint}) from a blocking
 * stream. Unlike {@code Reply.parseDelimitedFrom} it is bounded: a length prefix above {@code
 * maxFrameBytes} is refused before any of the body is read.
 */
final class ReplyFrameReader {
  private final InputStream in;
  private final int maxFrameBytes;

  ReplyFrameReader(InputStream in, int maxFrameBytes) {
    this.in = in;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * The next reply, or null when the stream ends cleanly between two frames.
   *
   * @throws FrameTooLargeException when the length prefix exceeds {@code maxFrameBytes}
   * @throws CorruptedFrameException when the prefix is not a varint32 or the stream ends in a frame
   * @throws InvalidProtocolBufferException when the body is not a {@code Reply}
   */
  Reply next() throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    int length = readLength(first);
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new CorruptedFrameException(
          "stream ended inside a frame (" + body.length + " of " + length + " bytes received)");
    }
    try {
      return Reply.parser().parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidProtocolBufferException(
          "frame of " + length + " bytes is not a valid Reply: " + e.getMessage());
    }
  }

  private int readLength(int first) throws IOException {
    long length = 0;
    int b = first;
    for (int i = 0; i < Varint.MAX_VARINT32_BYTES; i++) {
      if (i > 0) {
        b = in.read();
        if (b < 0) {
          throw new CorruptedFrameException("stream ended inside a length prefix");
        }
      }
      length |= (long) (b & 0x7f) << (7 * i);
      if (length > maxFrameBytes) {
        throw new FrameTooLargeException(length, maxFrameBytes);
      }
      if ((b & 0x80) == 0) {
        return (int) length;
      }
    }
    throw new CorruptedFrameException(
        "length prefix is not a valid varint32 (more than "
            + Varint.MAX_VARINT32_BYTES
            + " bytes with the continuation bit set)");
  }
}
