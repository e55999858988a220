package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplyEncoderTest {

  @ParameterizedTest(name = "id={0} status={1} payload={2}B error={3} more={4}")
  @CsvSource({
    "0, OK, 0, '', false",
    "1, OK, 64, '', false",
    "300, OK, 16384, '', true",
    "-1, INTERNAL, 0, 'boom', false",
    "9223372036854775807, DEADLINE_EXCEEDED, 3, 'late: ü', true",
    "7, BAD_REQUEST, 200000, 'x', false",
    "8, OK, 1023, '', false",
    "9, OK, 1024, '', false",
    "10, OK, 1024, '', true",
    "11, UNAVAILABLE, 5000, 'after the payload', true",
  })
  void encodesExactlyWhatWriteDelimitedToWrites(
      long id, Status status, int payloadBytes, String error, boolean more) throws IOException {
    byte[] bytes = new byte[payloadBytes];
    new Random(payloadBytes).nextBytes(bytes);
    ByteString payload = ByteString.copyFrom(bytes);
    Reply reply =
        Reply.newBuilder()
            .setId(id)
            .setStatus(status)
            .setPayload(payload)
            .setError(error)
            .setMore(more)
            .build();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    reply.writeDelimitedTo(expected);

    assertThat(ReplyEncoder.encode(id, status, payload, error, more).toArray())
        .isEqualTo(expected.toByteArray());
  }
}
