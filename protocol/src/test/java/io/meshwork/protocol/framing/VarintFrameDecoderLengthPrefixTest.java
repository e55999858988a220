package io.meshwork.protocol.framing;

import static io.meshwork.protocol.framing.SampleRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The length prefix is a base-128 varint32 of 1 to 5 bytes, least significant group first. */
class VarintFrameDecoderLengthPrefixTest {
  private static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
  private static final ByteString FIVE_BYTES = bytes(1, 2, 3, 4, 5);
  private static final ByteString NEXT_FRAME = bytes(0x02, 0xAA, 0xBB);

  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintFrameDecoderLengthPrefixTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  static List<Arguments> lengthFiveInOneToFiveBytes() {
    return List.of(
        Arguments.of(1, bytes(0x05)),
        Arguments.of(2, bytes(0x85, 0x00)),
        Arguments.of(3, bytes(0x85, 0x80, 0x00)),
        Arguments.of(4, bytes(0x85, 0x80, 0x80, 0x00)),
        Arguments.of(5, bytes(0x85, 0x80, 0x80, 0x80, 0x00)));
  }

  @ParameterizedTest(name = "length 5 as a {0}-byte varint")
  @MethodSource("lengthFiveInOneToFiveBytes")
  void nonMinimalPrefixesOfUpToFiveBytesAreAccepted(int prefixBytes, ByteString prefix) {
    assertThat(prefix.size()).isEqualTo(prefixBytes);

    List<ByteString> bodies =
        streams.decode(List.of(prefix.concat(FIVE_BYTES).concat(NEXT_FRAME)), MAX_FRAME_BYTES);

    assertThat(bodies).containsExactly(FIVE_BYTES, bytes(0xAA, 0xBB));
  }

  @Test
  void nonMinimalZeroLengthIsAnEmptyFrame() {
    List<ByteString> bodies =
        streams.decode(List.of(bytes(0x80, 0x80, 0x00).concat(NEXT_FRAME)), MAX_FRAME_BYTES);

    assertThat(bodies).containsExactly(ByteString.emptyByteString(), bytes(0xAA, 0xBB));
  }

  @Test
  void twoMebibyteFrameWithAFourBytePrefixIsDecodedWhole() {
    int length = 2 * 1024 * 1024; // 2^21: the smallest length whose minimal varint has 4 bytes
    ByteString prefix = bytes(0x80, 0x80, 0x80, 0x01);
    ByteString body = ByteString.fromArrayUnsafe(SampleRequests.payload(length).toByteArray());
    ByteString wire = prefix.concat(body).concat(NEXT_FRAME);
    List<ByteString> chunks = new ArrayList<>();
    for (int from = 0; from < wire.size(); from += 64 * 1024) {
      chunks.add(wire.slice(from, Math.min(from + 64 * 1024, wire.size())));
    }

    List<ByteString> bodies = streams.decode(chunks, MAX_FRAME_BYTES);

    assertThat(Varint.sizeOf(length)).isEqualTo(4);
    assertThat(bodies).hasSize(2);
    assertThat(bodies.get(0).size()).isEqualTo(length);
    assertThat(bodies.get(0)).isEqualTo(body);
    assertThat(bodies.get(1)).isEqualTo(bytes(0xAA, 0xBB));
  }

  @Test
  void sixthPrefixByteAfterFiveAllOnesIsCorrupted() {
    Throwable failure =
        streams.decodeFailure(
            List.of(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(CorruptedFrameException.class).hasMessageContaining("varint");
  }

  @Test
  void nonMinimalPrefixOfSixBytesIsCorrupted() {
    Throwable failure =
        streams.decodeFailure(
            List.of(bytes(0x85, 0x80, 0x80, 0x80, 0x80, 0x00).concat(FIVE_BYTES)),
            MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(CorruptedFrameException.class).hasMessageContaining("varint");
  }

  @Test
  void tenByteVarintOfANegativeInt32IsCorrupted() {
    // What a careless writer produces for the int32 -1: sign-extended to 64 bits, 10 bytes.
    ByteString minusOne = bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);

    Throwable failure = streams.decodeFailure(List.of(minusOne), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(CorruptedFrameException.class).hasMessageContaining("varint");
  }

  @Test
  void fifthByteWithTheContinuationBitFailsWithoutWaitingForASixth() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();
    probes.second().request(1);

    probes.first().sendNext(bytes(0x80, 0x80, 0x80, 0x80, 0x80)); // and nothing more, ever

    assertThat(probes.second().expectError()).isInstanceOf(CorruptedFrameException.class);
    probes.first().expectCancellation();
  }

  @Test
  void fifthByteCarryingBitsAbove32IsCorrupted() {
    // 2^32: a valid varint64 but not a varint32; protobuf-java would silently read it as 0.
    Throwable failure =
        streams.decodeFailure(List.of(bytes(0x80, 0x80, 0x80, 0x80, 0x10)), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(CorruptedFrameException.class).hasMessageContaining("varint");
  }

  @Test
  void largestVarint32IsAValidPrefixOfAFrameTooLarge() {
    Throwable failure =
        streams.decodeFailure(List.of(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x0F)), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(FrameTooLargeException.class);
    assertThat(((FrameTooLargeException) failure).frameBytes()).isEqualTo(0xFFFF_FFFFL);
  }

  private static Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>>
      materialize() {
    return TestSource.<ByteString>create(streams.system())
        .via(VarintFraming.decoder(MAX_FRAME_BYTES))
        .toMat(TestSink.create(streams.system()), Keep.both())
        .run(streams.system());
  }
}
