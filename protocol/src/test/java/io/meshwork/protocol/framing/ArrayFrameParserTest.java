package io.meshwork.protocol.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class ArrayFrameParserTest {
  private static final int MAX = 1 << 20;

  /** A prefix of {@code width} bytes (non-minimal when wider than needed), then the body. */
  private static void frame(ByteArrayOutputStream out, byte[] body, int width) {
    int n = body.length;
    for (int i = 0; i < width; i++) {
      int b = (n >>> (7 * i)) & 0x7f;
      out.write(i < width - 1 ? b | 0x80 : b);
    }
    out.writeBytes(body);
  }

  private static int minimalWidth(int n) {
    int w = 1;
    while ((n >>>= 7) != 0) {
      w++;
    }
    return w;
  }

  private static List<byte[]> parseAll(ArrayFrameParser parser, byte[] stream, int[] cuts) {
    List<byte[]> frames = new ArrayList<>();
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : stream.length;
      // Each offered piece is an array of its own, as a read delivers it.
      byte[] piece = Arrays.copyOfRange(stream, from, to);
      parser.offer(piece, 0, piece.length);
      while (parser.next()) {
        frames.add(
            Arrays.copyOfRange(
                parser.frameArray(),
                parser.frameOffset(),
                parser.frameOffset() + parser.frameLength()));
      }
      from = to;
    }
    return frames;
  }

  @Test
  void randomFramesSplitAnywhereComeOutWholeAndInOrderAsFrameParserGivesThem() {
    Random random = new Random(11);
    for (int round = 0; round < 300; round++) {
      List<byte[]> bodies = new ArrayList<>();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int count = 1 + random.nextInt(40);
      for (int i = 0; i < count; i++) {
        int size =
            switch (random.nextInt(4)) {
              case 0 -> 0;
              case 1 -> random.nextInt(200);
              case 2 -> random.nextInt(20_000);
              default -> random.nextInt(150_000);
            };
        byte[] body = new byte[size];
        random.nextBytes(body);
        bodies.add(body);
        frame(out, body, minimalWidth(size) + random.nextInt(Varint.MAX_VARINT32_BYTES - minimalWidth(size) + 1));
      }
      byte[] stream = out.toByteArray();
      int[] cuts = random.ints(random.nextInt(30), 0, stream.length + 1).sorted().toArray();

      ArrayFrameParser parser = new ArrayFrameParser(MAX);
      List<byte[]> frames = parseAll(parser, stream, cuts);
      assertThat(frames).hasSize(bodies.size());
      for (int i = 0; i < bodies.size(); i++) {
        assertThat(frames.get(i)).as("round %d frame %d", round, i).isEqualTo(bodies.get(i));
      }
      assertThat(parser.buffered()).isZero();

      FrameParser reference = new FrameParser(MAX);
      reference.offer(ByteString.fromArrayUnsafe(stream));
      for (byte[] body : bodies) {
        assertThat(reference.next().toArray()).isEqualTo(body);
      }
    }
  }

  @Test
  void aFrameInsideOneArrayIsASliceOfItNotACopy() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frame(out, new byte[] {1, 2, 3}, 1);
    frame(out, new byte[] {4, 5}, 1);
    byte[] read = out.toByteArray();
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    parser.offer(read, 0, read.length);
    assertThat(parser.next()).isTrue();
    assertThat(parser.frameArray()).isSameAs(read);
    assertThat(parser.frameOffset()).isEqualTo(1);
    assertThat(parser.frameLength()).isEqualTo(3);
    assertThat(parser.next()).isTrue();
    assertThat(parser.frameArray()).isSameAs(read);
    assertThat(parser.frameOffset()).isEqualTo(5);
    assertThat(parser.next()).isFalse();
  }

  @Test
  void aLargeAnnouncedFrameHoldsOnlyTheBytesThatArrived() {
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    byte[] prefix = {(byte) 0xc0, (byte) 0x84, 0x3d}; // 1,000,000
    parser.offer(prefix, 0, prefix.length);
    assertThat(parser.next()).isFalse();
    assertThat(parser.inFrame()).isTrue();
    assertThat(parser.assemblyBytes()).isZero();
    long arrived = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] body = new byte[1 + i % 7];
      parser.offer(body, 0, body.length);
      assertThat(parser.next()).isFalse();
      arrived += body.length;
      assertThat((long) parser.assemblyBytes()).isBetween(arrived, 2 * arrived);
    }
    parser.offer(new byte[(int) (1_000_000 - arrived)], 0, (int) (1_000_000 - arrived));
    assertThat(parser.next()).isTrue();
    assertThat(parser.frameLength()).isEqualTo(1_000_000);
    assertThat(parser.inFrame()).isFalse();
    assertThat(parser.assemblyBytes()).isZero();
  }

  @Test
  void partialFramesCountAsBufferedUntilComplete() {
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    byte[] first = {(byte) 0x90, 0x01, 7, 7, 7}; // prefix 144, then 3 body bytes
    parser.offer(first, 0, first.length);
    assertThat(parser.next()).isFalse();
    assertThat(parser.buffered()).isEqualTo(5);
    byte[] rest = new byte[141];
    parser.offer(rest, 0, rest.length);
    assertThat(parser.next()).isTrue();
    assertThat(parser.frameLength()).isEqualTo(144);
    assertThat(parser.buffered()).isZero();
  }

  @Test
  void aCompletePrefixWithoutItsBodyCountsAsBuffered() {
    // Found by EndpointFuzzTest: a connection ending right after a prefix ended "inside a frame"
    // without the node noticing.
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    byte[] prefix = {0x3a};
    parser.offer(prefix, 0, 1);
    assertThat(parser.next()).isFalse();
    assertThat(parser.buffered()).isEqualTo(1);
  }

  @Test
  void aPrefixAboveTheLimitFailsAsSoonAsItIsComplete() {
    ArrayFrameParser parser = new ArrayFrameParser(1000);
    byte[] prefix = {(byte) 0xe9, 0x07}; // 1001
    parser.offer(prefix, 0, 1);
    assertThat(parser.next()).isFalse();
    parser.offer(prefix, 1, 1);
    assertThatThrownBy(parser::next)
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessageContaining("1001");
  }

  @Test
  void aFifthPrefixByteAbove0x0fIsCorrupted() {
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    byte[] bad = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x10};
    parser.offer(bad, 0, bad.length);
    assertThatThrownBy(parser::next)
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageContaining("fifth byte 0x10");
  }

  @Test
  void offeringBeforeTheLastArrayIsConsumedIsRefused() {
    ArrayFrameParser parser = new ArrayFrameParser(MAX);
    byte[] two = {1, 9, 1, 8};
    parser.offer(two, 0, two.length);
    assertThat(parser.next()).isTrue();
    assertThat(parser.needsInput()).as("a frame of the array is still to come").isFalse();
    assertThatThrownBy(() -> parser.offer(two, 0, 1)).isInstanceOf(IllegalStateException.class);
    assertThat(parser.next()).isTrue();
    assertThat(parser.needsInput()).isTrue();
    parser.offer(two, 0, 1); // accepted now
  }
}
