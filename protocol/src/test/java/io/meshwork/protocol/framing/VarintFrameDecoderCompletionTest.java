package io.meshwork.protocol.framing;

import static io.meshwork.protocol.framing.SampleRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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

/** A stream may only end on a frame boundary; every complete frame is delivered before the end. */
class VarintFrameDecoderCompletionTest {
  private static final int MAX_FRAME_BYTES = 1024;
  private static final ByteString FRAME_A = bytes(0x01, 0xA1);
  private static final ByteString FRAME_B = bytes(0x02, 0xB1, 0xB2);
  private static final ByteString FRAME_C = bytes(0x00);

  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintFrameDecoderCompletionTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  @Test
  void emptyUpstreamCompletesWithoutFrames() {
    assertThat(streams.decode(List.of(), MAX_FRAME_BYTES)).isEmpty();
  }

  @Test
  void completingOnAFrameBoundaryEmitsEveryFrameThenCompletes() {
    List<ByteString> bodies =
        streams.decode(List.of(FRAME_A, FRAME_B.concat(FRAME_C)), MAX_FRAME_BYTES);

    assertThat(bodies).containsExactly(bytes(0xA1), bytes(0xB1, 0xB2), ByteString.emptyByteString());
  }

  @Test
  void completingInsideALengthPrefixIsCorrupted() {
    Throwable failure = streams.decodeFailure(List.of(FRAME_A, bytes(0x80)), MAX_FRAME_BYTES);

    assertThat(failure)
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageContaining("ended inside a frame");
  }

  @Test
  void completingRightAfterALengthPrefixIsCorrupted() {
    Throwable failure = streams.decodeFailure(List.of(bytes(0x05)), MAX_FRAME_BYTES);

    assertThat(failure).isInstanceOf(CorruptedFrameException.class);
  }

  @Test
  void completingInsideABodyIsCorrupted() {
    Throwable failure =
        streams.decodeFailure(List.of(FRAME_A, FRAME_B.take(2)), MAX_FRAME_BYTES);

    assertThat(failure)
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageContaining("ended inside a frame");
  }

  @Test
  void framesBufferedAtCompletionReachASlowDownstreamOneAtATime() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();
    TestPublisher.Probe<ByteString> upstream = probes.first();
    TestSubscriber.Probe<ByteString> downstream = probes.second();

    downstream.request(1);
    upstream.sendNext(FRAME_A.concat(FRAME_B).concat(FRAME_C)).sendComplete();
    downstream.expectNext(bytes(0xA1));
    downstream.expectNoMessage(Duration.ofMillis(100));

    downstream.request(1);
    downstream.expectNext(bytes(0xB1, 0xB2));
    downstream.expectNoMessage(Duration.ofMillis(100));

    downstream.request(1);
    downstream.expectNext(ByteString.emptyByteString());
    downstream.expectComplete();
  }

  @Test
  void framesBufferedAtCompletionAreDeliveredWhenDemandArrivesOnlyAfterCompletion() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();

    probes.second().ensureSubscription();
    probes.first().sendNext(FRAME_A.concat(FRAME_B)).sendComplete();

    probes.second().request(1).expectNext(bytes(0xA1));
    probes.second().request(1).expectNext(bytes(0xB1, 0xB2));
    probes.second().expectComplete();
  }

  @Test
  void completeFramesBeforeATruncatedOneAreDeliveredBeforeTheFailure() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();

    probes.second().request(1);
    probes.first().sendNext(FRAME_A.concat(FRAME_B).concat(bytes(0x03, 0xC1))).sendComplete();
    probes.second().expectNext(bytes(0xA1));

    probes.second().request(2);
    probes.second().expectNext(bytes(0xB1, 0xB2));
    assertThat(probes.second().expectError()).isInstanceOf(CorruptedFrameException.class);
  }

  @Test
  void upstreamFailureIsPassedOnUnchanged() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();
    IllegalStateException connectionReset = new IllegalStateException("connection reset");

    probes.second().request(1);
    probes.first().sendNext(FRAME_B.take(2)).sendError(connectionReset);

    assertThat(probes.second().expectError()).isSameAs(connectionReset);
  }

  @Test
  void downstreamCancellationCancelsUpstream() {
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes = materialize();

    probes.second().request(1);
    probes.first().sendNext(FRAME_A);
    probes.second().expectNext(bytes(0xA1));
    probes.second().cancel();

    probes.first().expectCancellation();
  }

  private static Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>>
      materialize() {
    return TestSource.<ByteString>create(streams.system())
        .via(VarintFraming.decoder(MAX_FRAME_BYTES))
        .toMat(TestSink.create(streams.system()), Keep.both())
        .run(streams.system());
  }
}
