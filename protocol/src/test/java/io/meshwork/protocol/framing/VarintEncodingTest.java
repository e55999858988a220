package io.meshwork.protocol.framing;

import static io.meshwork.protocol.framing.SampleRequests.writtenDelimited;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.protocol.v1.Request;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarintEncodingTest {
  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintEncodingTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  @Test
  void encodeFrameIsByteForByteWhatWriteDelimitedToWrites() {
    for (Request request : SampleRequests.variedSizes()) {
      assertThat(Varint.encodeFrame(request))
          .as("frame of a %d-byte request", request.getSerializedSize())
          .isEqualTo(writtenDelimited(List.of(request)));
    }
  }

  @Test
  void encodeIsByteForByteWhatWriteDelimitedToWrites() {
    for (Request request : SampleRequests.variedSizes()) {
      assertThat(VarintFraming.encode(request).toArray())
          .as("frame of a %d-byte request", request.getSerializedSize())
          .isEqualTo(writtenDelimited(List.of(request)));
    }
  }

  @Test
  void encoderFlowWritesWhatWriteDelimitedToWritesForTheWholeSequence() throws Exception {
    List<Request> requests = SampleRequests.variedSizes();

    List<ByteString> frames =
        Source.from(requests)
            .via(VarintFraming.<Request>encoder())
            .runWith(Sink.seq(), streams.system())
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);

    assertThat(frames).hasSameSizeAs(requests);
    assertThat(frames.stream().reduce(ByteString.emptyByteString(), ByteString::concat).toArray())
        .isEqualTo(writtenDelimited(requests));
  }

  @Test
  void emptyRequestIsTheSingleByteZero() {
    assertThat(Varint.encodeFrame(SampleRequests.EMPTY)).containsExactly(0x00);
  }

  @ParameterizedTest(name = "a {0}-byte body gets a minimal length prefix")
  @ValueSource(ints = {2, 127, 128, 16_383, 16_384})
  void lengthPrefixIsTheMinimalVarint(int bodyBytes) {
    Request request = SampleRequests.ofSerializedSize(9, bodyBytes);
    int expectedPrefixBytes = bodyBytes < 128 ? 1 : bodyBytes < 16_384 ? 2 : 3;

    byte[] frame = Varint.encodeFrame(request);

    assertThat(Varint.sizeOf(bodyBytes)).isEqualTo(expectedPrefixBytes);
    assertThat(frame).hasSize(expectedPrefixBytes + bodyBytes);
    assertThat(frame[expectedPrefixBytes - 1] & 0x80).as("last prefix byte ends the varint").isZero();
  }

  @ParameterizedTest(name = "sizeOf({0}) = {1}")
  @CsvSource({
    "0, 1",
    "127, 1",
    "128, 2",
    "16383, 2",
    "16384, 3",
    "2097151, 3",
    "2097152, 4",
    "268435455, 4",
    "268435456, 5",
    "2147483647, 5"
  })
  void sizeOfCountsTheBytesOfTheVarint(int value, int bytes) {
    assertThat(Varint.sizeOf(value)).isEqualTo(bytes);
  }
}
