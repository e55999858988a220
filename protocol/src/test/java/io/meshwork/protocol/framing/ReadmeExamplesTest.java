package io.meshwork.protocol.framing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bytes shown in protocol/README.md are what the codec really produces. */
class ReadmeExamplesTest {

  @Test
  void echoRequest() {
    assertThat(hex(Varint.encodeFrame(SampleRequests.ECHO_HI)))
        .isEqualTo("0c 08 01 12 04 65 63 68 6f 22 02 68 69");
  }

  @Test
  void echoReply() {
    Reply reply = Reply.newBuilder().setId(1).setPayload(ByteString.copyFromUtf8("hi")).build();

    assertThat(hex(Varint.encodeFrame(reply))).isEqualTo("06 08 01 1a 02 68 69");
  }

  @Test
  void requestWithMethodDeadlineAndHeader() {
    Request request =
        Request.newBuilder()
            .setId(2)
            .setService("echo")
            .setMethod("say")
            .setDeadlineMs(250)
            .putHeaders("auth", "t0k")
            .build();

    assertThat(hex(Varint.encodeFrame(request)))
        .isEqualTo(
            "1d 08 02 12 04 65 63 68 6f 1a 03 73 61 79 28 fa 01 32 0b 0a 04 61 75 74 68 12 03 74"
                + " 30 6b");
  }

  @Test
  void deadlineExceededReply() {
    Reply reply =
        Reply.newBuilder()
            .setId(2)
            .setStatus(Status.DEADLINE_EXCEEDED)
            .setError("deadline")
            .build();

    assertThat(hex(Varint.encodeFrame(reply)))
        .isEqualTo("0e 08 02 10 04 22 08 64 65 61 64 6c 69 6e 65");
  }

  @Test
  void connectionLevelBadRequestHasNoIdField() {
    Reply reply =
        Reply.newBuilder().setId(0).setStatus(Status.BAD_REQUEST).setError("bad frame").build();

    assertThat(hex(Varint.encodeFrame(reply)))
        .isEqualTo("0d 10 01 22 09 62 61 64 20 66 72 61 6d 65");
  }

  @ParameterizedTest(name = "a {0}-byte body has the prefix {1}")
  @CsvSource({
    "0, 00",
    "5, 05",
    "127, 7f",
    "128, 80 01",
    "300, ac 02",
    "16383, ff 7f",
    "16384, 80 80 01",
    "1048576, 80 80 40",
    "1048577, 81 80 40",
    "2097152, 80 80 80 01"
  })
  void lengthPrefixTable(int bodyBytes, String prefix) {
    Request request =
        bodyBytes == 0 ? SampleRequests.EMPTY : SampleRequests.ofSerializedSize(1, bodyBytes);

    byte[] frame = Varint.encodeFrame(request);

    assertThat(hex(Arrays.copyOf(frame, Varint.sizeOf(bodyBytes)))).isEqualTo(prefix);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }
}
