package io.meshwork.protocol.framing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** However TCP happens to cut the byte stream, the same frames come out, in order. */
class VarintFrameDecoderChunkingTest {
  private static final int MAX_FRAME_BYTES = 1024 * 1024;
  private static final List<Request> REQUESTS = SampleRequests.variedSizes();
  private static final ByteString WIRE =
      ByteString.fromArrayUnsafe(SampleRequests.writtenDelimited(REQUESTS));

  private static StreamTestSystem streams;

  @BeforeAll
  static void startSystem() {
    streams = new StreamTestSystem("VarintFrameDecoderChunkingTest");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    streams.shutdown();
  }

  @Test
  void samplesCoverEmptyAndOneTwoAndThreeByteLengthPrefixes() {
    assertThat(REQUESTS)
        .extracting(request -> Varint.sizeOf(request.getSerializedSize()))
        .contains(1, 2, 3);
    assertThat(REQUESTS).extracting(Request::getSerializedSize).contains(0, 127, 128, 16_384);
  }

  @Test
  void allFramesInOneChunkDecodeToTheOriginalRequestsInOrder() {
    List<ByteString> bodies = streams.decode(List.of(WIRE), MAX_FRAME_BYTES);

    assertThat(parse(bodies)).containsExactlyElementsOf(REQUESTS);
  }

  @Test
  void oneBytePerChunkDecodesToTheOriginalRequestsInOrder() {
    List<ByteString> chunks = new ArrayList<>();
    for (int i = 0; i < WIRE.size(); i++) {
      chunks.add(WIRE.slice(i, i + 1));
    }

    List<ByteString> bodies = streams.decode(chunks, MAX_FRAME_BYTES);

    assertThat(parse(bodies)).containsExactlyElementsOf(REQUESTS);
  }

  @Test
  void splittingTheStreamAtEveryBytePositionDecodesToTheOriginalRequestsInOrder() {
    List<ByteString> expected = SampleRequests.bodies(REQUESTS);

    for (int split = 0; split <= WIRE.size(); split++) {
      List<ByteString> chunks = List.of(WIRE.take(split), WIRE.drop(split));

      assertThat(streams.decode(chunks, MAX_FRAME_BYTES))
          .as("bodies when split at byte %d of %d", split, WIRE.size())
          .isEqualTo(expected);
    }
  }

  @Test
  void emptyChunksBetweenBytesChangeNothing() {
    ByteString empty = ByteString.emptyByteString();
    List<ByteString> chunks = new ArrayList<>();
    chunks.add(empty);
    for (int i = 0; i < 40; i++) {
      chunks.add(WIRE.slice(i, i + 1));
      chunks.add(empty);
    }
    chunks.add(WIRE.drop(40));
    chunks.add(empty);

    assertThat(parse(streams.decode(chunks, MAX_FRAME_BYTES))).containsExactlyElementsOf(REQUESTS);
  }

  @Test
  void emittedBodiesAreExactlyTheSerializedMessages() {
    List<ByteString> bodies = streams.decode(List.of(WIRE), MAX_FRAME_BYTES);

    assertThat(bodies).isEqualTo(SampleRequests.bodies(REQUESTS));
  }

  @Test
  void decoderBlueprintCanBeMaterializedManyTimes() throws Exception {
    Flow<ByteString, ByteString, NotUsed> decoder = VarintFraming.decoder(MAX_FRAME_BYTES);
    for (int run = 0; run < 3; run++) {
      List<ByteString> bodies =
          Source.single(WIRE)
              .via(decoder)
              .runWith(Sink.seq(), streams.system())
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      assertThat(parse(bodies)).as("run %d", run).containsExactlyElementsOf(REQUESTS);
    }
  }

  private static List<Request> parse(List<ByteString> bodies) {
    List<Request> requests = new ArrayList<>();
    for (ByteString body : bodies) {
      try {
        requests.add(Request.parseFrom(body.toArray()));
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("a frame body is not a Request", e);
      }
    }
    return requests;
  }
}
