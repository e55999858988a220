package io.meshwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Request;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestFrameEncoderTest {
  @ParameterizedTest(name = "id {0}, service \"{1}\", {2} B payload")
  @CsvSource({
    "1, echo, 64",
    "127, echo, 0",
    "128, echo, 127",
    "16384, '', 128",
    "34359738368, echo, 16384",
    "9223372036854775807, some-service, 300"
  })
  void writesTheBytesProtobufWrites(long id, String service, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    Arrays.fill(payload, (byte) 0xa5);
    RequestFrameEncoder encoder = new RequestFrameEncoder(service, payload);
    ByteBuffer out = ByteBuffer.allocate(encoder.maxFrameBytes());

    encoder.write(out, id);

    byte[] expected =
        Varint.encodeFrame(
            Request.newBuilder()
                .setId(id)
                .setService(service)
                .setPayload(ByteString.copyFrom(payload))
                .build());
    assertThat(Arrays.copyOf(out.array(), out.position())).isEqualTo(expected);
  }
}
