package io.meshwork.protocol.framing;

import static io.meshwork.protocol.framing.SampleRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

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
import org.junit.jupiter.params.provider.ValueSource;

/** Frames are bounded by maxFrameBytes, and a peer cannot make the decoder wait for a huge body. */
class VarintFrameDecoderLimitTest {
  private static final int MAX_FRAME_BYTES = 1024;

  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintFrameDecoderLimitTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  @Test
  void prefixAboveTheLimitFailsBeforeAnyBodyByteArrives() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes =
        materialize(MAX_FRAME_BYTES);
    probes.second().request(1);

    probes.first().sendNext(bytes(0x81, 0x08)); // 1025, and the source never sends or completes

    Throwable failure = probes.second().expectError();
    assertThat(failure)
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessageContaining("1025")
        .hasMessageContaining("1024");
    probes.first().expectCancellation();
  }

  @Test
  void hugePrefixFailsBeforeAnyBodyByteArrivesWithTheNodeDefaultLimit() {
    int oneMebibyte = 1024 * 1024;
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes =
        materialize(oneMebibyte);
    probes.second().request(1);

    probes.first().sendNext(bytes(0x80, 0x80, 0x80, 0x40)); // 128 MiB

    assertThat(probes.second().expectError())
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessageContaining(String.valueOf(oneMebibyte));
    probes.first().expectCancellation();
  }

  @Test
  void frameTooLargeExceptionReportsTheAnnouncedLengthAndTheLimit() {
    Throwable failure = streams.decodeFailure(List.of(bytes(0x81, 0x08)), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(FrameTooLargeException.class);
    FrameTooLargeException tooLarge = (FrameTooLargeException) failure;
    assertThat(tooLarge.frameBytes()).isEqualTo(1025);
    assertThat(tooLarge.maxFrameBytes()).isEqualTo(MAX_FRAME_BYTES);
    assertThat(tooLarge)
        .hasMessage("frame of 1025 bytes exceeds the maximum frame size of 1024 bytes");
  }

  @Test
  void frameOfExactlyTheLimitIsAccepted() {
    ByteString frame =
        VarintFraming.encode(SampleRequests.ofSerializedSize(1, MAX_FRAME_BYTES));

    List<ByteString> bodies = streams.decode(List.of(frame), MAX_FRAME_BYTES);

    assertThat(bodies).hasSize(1);
    assertThat(bodies.get(0).size()).isEqualTo(MAX_FRAME_BYTES);
  }

  @Test
  void oneByteLimitAcceptsAOneByteFrame() {
    assertThat(streams.decode(List.of(bytes(0x01, 0x7F)), 1)).containsExactly(bytes(0x7F));
  }

  @Test
  void completeFrameOneByteOverTheLimitIsRejected() {
    ByteString frame =
        VarintFraming.encode(SampleRequests.ofSerializedSize(1, MAX_FRAME_BYTES + 1));

    assertThat(streams.decodeFailure(List.of(frame), MAX_FRAME_BYTES))
        .isInstanceOf(FrameTooLargeException.class);
  }

  @Test
  void framesBeforeAnOversizedPrefixAreStillDelivered() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes =
        materialize(MAX_FRAME_BYTES);
    probes.second().request(3);

    probes.first().sendNext(bytes(0x01, 0xA1, 0x01, 0xB2, 0x81, 0x08));

    probes.second().expectNext(bytes(0xA1));
    probes.second().expectNext(bytes(0xB2));
    assertThat(probes.second().expectError()).isInstanceOf(FrameTooLargeException.class);
  }

  @ParameterizedTest(name = "maxFrameBytes {0}")
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void nonPositiveLimitIsRejected(int maxFrameBytes) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new VarintFrameDecoder(maxFrameBytes))
        .withMessage("maxFrameBytes: " + maxFrameBytes + " (expected: > 0)");
  }

  @Test
  void nonPositiveLimitIsRejectedByTheFlowFactoryToo() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> VarintFraming.decoder(0))
        .withMessageContaining("maxFrameBytes: 0");
  }

  private static Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>>
      materialize(int maxFrameBytes) {
    return TestSource.<ByteString>create(streams.system())
        .via(VarintFraming.decoder(maxFrameBytes))
        .toMat(TestSink.create(streams.system()), Keep.both())
        .run(streams.system());
  }
}
