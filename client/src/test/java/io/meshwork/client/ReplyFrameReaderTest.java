package io.meshwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.framing.CorruptedFrameException;
import io.meshwork.protocol.framing.FrameTooLargeException;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReplyFrameReaderTest {
  private static final Reply SMALL = TestNode.ok(1, ByteString.copyFromUtf8("hi"));
  private static final Reply EMPTY = Reply.getDefaultInstance();
  private static final Reply LARGE =
      Reply.newBuilder().setId(3).setStatus(Status.INTERNAL).setError("x".repeat(300)).build();

  private static ReplyFrameReader reader(byte[] bytes, int maxFrameBytes) {
    return new ReplyFrameReader(new ByteArrayInputStream(bytes), maxFrameBytes);
  }

  private static byte[] frames(Reply... replies) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Reply reply : replies) {
      reply.writeDelimitedTo(out);
    }
    return out.toByteArray();
  }

  @Test
  void readsWhatWriteDelimitedToWroteThenNullAtTheEnd() throws IOException {
    ReplyFrameReader reader = reader(frames(SMALL, EMPTY, LARGE), 1024);

    assertThat(reader.next()).isEqualTo(SMALL);
    assertThat(reader.next()).isEqualTo(EMPTY);
    assertThat(reader.next()).isEqualTo(LARGE); // two-byte length prefix
    assertThat(reader.next()).isNull();
  }

  @Test
  void readsFramesArrivingOneByteAtATime() throws IOException {
    byte[] bytes = frames(SMALL, LARGE);
    InputStream trickle =
        new ByteArrayInputStream(bytes) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };
    ReplyFrameReader reader = new ReplyFrameReader(trickle, 1024);

    assertThat(reader.next()).isEqualTo(SMALL);
    assertThat(reader.next()).isEqualTo(LARGE);
    assertThat(reader.next()).isNull();
  }

  @Test
  void lengthPrefixAboveTheLimitIsRefusedBeforeTheBody() {
    // Only the prefix: the reader must not wait for (or allocate) the announced body.
    byte[] prefixOnly = Arrays.copyOf(Varint.encodeFrame(LARGE), 2);

    assertThatThrownBy(() -> reader(prefixOnly, 100).next())
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessage(
            "frame of "
                + LARGE.getSerializedSize()
                + " bytes exceeds the maximum frame size of"
                + " 100 bytes");
  }

  @Test
  void streamEndingInsideAFrameIsCorrupted() throws IOException {
    byte[] bytes = frames(SMALL);
    byte[] cut = Arrays.copyOf(bytes, bytes.length - 1);

    assertThatThrownBy(() -> reader(cut, 1024).next())
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageStartingWith("stream ended inside a frame");
  }

  @Test
  void streamEndingInsideALengthPrefixIsCorrupted() {
    assertThatThrownBy(() -> reader(new byte[] {(byte) 0x80}, 1024).next())
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessage("stream ended inside a length prefix");
  }

  @Test
  void lengthPrefixLongerThanFiveBytesIsCorrupted() {
    byte[] sixBytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};

    assertThatThrownBy(() -> reader(sixBytes, Integer.MAX_VALUE).next())
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageStartingWith("length prefix is not a valid varint32");
  }

  @Test
  void bodyThatIsNoReplyIsRefused() {
    byte[] frame = {2, (byte) 0xff, (byte) 0xff}; // 0xff... is no valid field tag

    assertThatThrownBy(() -> reader(frame, 1024).next())
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageStartingWith("frame of 2 bytes is not a valid Reply: ");
  }
}
