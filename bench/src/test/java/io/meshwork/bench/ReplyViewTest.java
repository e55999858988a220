package io.meshwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyViewTest {
  private final ReplyView view = new ReplyView();

  @Test
  void readsEveryFieldInPlace() {
    Reply reply =
        Reply.newBuilder()
            .setId(300)
            .setStatus(Status.UNAVAILABLE)
            .setPayload(ByteString.copyFromUtf8("payload"))
            .setError("no instance")
            .setMore(true)
            .build();
    ByteBuffer buffer = placedAt(5, reply.toByteArray());

    assertThat(view.parse(buffer, 5, reply.getSerializedSize())).isTrue();

    assertThat(view.id).isEqualTo(300);
    assertThat(view.status).isEqualTo(Status.UNAVAILABLE_VALUE);
    assertThat(view.more).isTrue();
    assertThat(view.error()).isEqualTo("no instance");
    byte[] payload = new byte[view.payloadLength];
    buffer.get(view.payloadOffset, payload);
    assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("payload");
  }

  @Test
  void anAllDefaultReplyIsAnEmptyBody() {
    assertThat(view.parse(ByteBuffer.allocate(0), 0, 0)).isTrue();
    assertThat(view.id).isZero();
    assertThat(view.status).isZero();
    assertThat(view.payloadLength).isZero();
  }

  @Test
  void skipsUnknownFields() {
    Reply reply =
        Reply.newBuilder()
            .setId(7)
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(9, UnknownFieldSet.Field.newBuilder().addFixed64(1).build())
                    .addField(10, UnknownFieldSet.Field.newBuilder().addVarint(99).build())
                    .addField(
                        11,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("x"))
                            .build())
                    .build())
            .build();
    byte[] body = reply.toByteArray();

    assertThat(view.parse(ByteBuffer.wrap(body), 0, body.length)).isTrue();
    assertThat(view.id).isEqualTo(7);
  }

  @Test
  void rejectsATruncatedBody() {
    byte[] body =
        Reply.newBuilder()
            .setId(1)
            .setPayload(ByteString.copyFromUtf8("abc"))
            .build()
            .toByteArray();

    assertThat(view.parse(ByteBuffer.wrap(body), 0, body.length - 1)).isFalse();
  }

  @Test
  void rejectsAKnownFieldWithTheWrongWireType() {
    byte[] payloadAsVarint = {0x18, 0x01}; // field 3 (payload, bytes) sent as a varint

    assertThat(view.parse(ByteBuffer.wrap(payloadAsVarint), 0, 2)).isFalse();
  }

  private static ByteBuffer placedAt(int offset, byte[] body) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(offset + body.length + 3);
    buffer.position(offset);
    buffer.put(body);
    return buffer.clear();
  }
}
