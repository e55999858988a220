package io.meshwork.protocol.framing;

import static io.meshwork.protocol.framing.SampleRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder reads input only to satisfy downstream demand, so a slow consumer slows the peer
 * down through TCP instead of filling memory.
 */
class VarintFrameDecoderBackpressureTest {
  private static final int MAX_FRAME_BYTES = 1024;
  private static final Duration QUIET = Duration.ofMillis(200);

  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintFrameDecoderBackpressureTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  @Test
  void noInputIsReadWithoutDownstreamDemand() {
    CountingChunks chunks = new CountingChunks(List.of(bytes(0x01, 0xA1), bytes(0x01, 0xB1)));
    TestSubscriber.Probe<ByteString> downstream = decodeInto(chunks);

    downstream.ensureSubscription();
    downstream.expectNoMessage(QUIET);

    assertThat(chunks.read()).isZero();
  }

  @Test
  void eachRequestedFrameReadsOnlyTheChunkThatHoldsIt() {
    CountingChunks chunks =
        new CountingChunks(List.of(bytes(0x01, 0xA1), bytes(0x01, 0xB1), bytes(0x01, 0xC1)));
    TestSubscriber.Probe<ByteString> downstream = decodeInto(chunks);

    downstream.request(1).expectNext(bytes(0xA1));
    downstream.expectNoMessage(QUIET);
    assertThat(chunks.read()).isEqualTo(1);

    downstream.request(1).expectNext(bytes(0xB1));
    downstream.expectNoMessage(QUIET);
    assertThat(chunks.read()).isEqualTo(2);
  }

  @Test
  void framesAlreadyBufferedAreEmittedWithoutReadingMore() {
    CountingChunks chunks =
        new CountingChunks(
            List.of(bytes(0x01, 0xA1, 0x01, 0xB1, 0x01, 0xC1), bytes(0x01, 0xD1)));
    TestSubscriber.Probe<ByteString> downstream = decodeInto(chunks);

    downstream.request(3);
    downstream.expectNext(bytes(0xA1), bytes(0xB1), bytes(0xC1));
    downstream.expectNoMessage(QUIET);

    assertThat(chunks.read()).isEqualTo(1);
  }

  @Test
  void frameSplitOverChunksReadsExactlyThoseChunks() {
    CountingChunks chunks =
        new CountingChunks(
            List.of(bytes(0x83), bytes(0x00, 0xA1), bytes(0xA2, 0xA3), bytes(0x01, 0xB1)));
    TestSubscriber.Probe<ByteString> downstream = decodeInto(chunks);

    downstream.request(1).expectNext(bytes(0xA1, 0xA2, 0xA3));
    downstream.expectNoMessage(QUIET);

    assertThat(chunks.read()).isEqualTo(3);
  }

  @Test
  void upstreamIsAskedForMoreOnlyAfterDownstreamDemand() {
    // A one-element input buffer makes the upstream's demand mirror the decoder's own pulls
    // (plus the one element the buffer prefetches).
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<ByteString>> probes =
        TestSource.<ByteString>create(streams.system())
            .via(VarintFraming.decoder(MAX_FRAME_BYTES))
            .toMat(TestSink.create(streams.system()), Keep.both())
            .withAttributes(Attributes.inputBuffer(1, 1))
            .run(streams.system());
    TestPublisher.Probe<ByteString> upstream = probes.first();
    TestSubscriber.Probe<ByteString> downstream = probes.second();

    assertThat(upstream.expectRequest()).isEqualTo(1);
    upstream.sendNext(bytes(0x01, 0xA1));
    upstream.expectNoMessage(QUIET);

    downstream.request(1).expectNext(bytes(0xA1));
    assertThat(upstream.expectRequest()).isEqualTo(1);
    upstream.sendNext(bytes(0x01, 0xB1));
    upstream.expectNoMessage(QUIET);

    downstream.request(1).expectNext(bytes(0xB1));
  }

  private static TestSubscriber.Probe<ByteString> decodeInto(CountingChunks chunks) {
    return Source.fromIterator(() -> chunks)
        .via(VarintFraming.decoder(MAX_FRAME_BYTES))
        .runWith(TestSink.create(streams.system()), streams.system());
  }

  /** Chunks that count how many were taken: the decoder's pulls, as the source sits in its island. */
  private static final class CountingChunks implements Iterator<ByteString> {
    private final Iterator<ByteString> chunks;
    private final AtomicInteger read = new AtomicInteger();

    CountingChunks(List<ByteString> chunks) {
      this.chunks = chunks.iterator();
    }

    int read() {
      return read.get();
    }

    @Override
    public boolean hasNext() {
      return chunks.hasNext();
    }

    @Override
    public ByteString next() {
      read.incrementAndGet();
      return chunks.next();
    }
  }
}
