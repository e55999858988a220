package io.meshwork.bench.jmh;

import com.google.protobuf.CodedInputStream;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.framing.VarintFraming;
import io.meshwork.protocol.v1.Request;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the codec per {@code Request} frame, for a 64-byte and a 16 KiB payload: encoding a
 * frame, decoding one, and splitting a byte stream into frames with the protocol module's Pekko
 * Streams decoder stage (the node's first step on every connection).
 *
 * <p>{@code java -jar bench/target/meshwork-bench.jar CodecBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  /** Frames per stream run: the stream's materialization is spread over this many frames. */
  private static final int FRAMES_PER_STREAM = 1000;

  /** The stream arrives in chunks of this size, as socket reads deliver it. */
  private static final int CHUNK_BYTES = 64 * 1024;

  @Param({"64", "16384"})
  public int payloadBytes;

  private Request request;
  private byte[] frame;
  private ByteString body;
  private List<ByteString> stream;
  private ActorSystem system;

  @Setup
  public void setUp() {
    byte[] payload = new byte[payloadBytes];
    new Random(42).nextBytes(payload);
    request =
        Request.newBuilder()
            .setId(123_456_789L)
            .setService("echo")
            .setPayload(com.google.protobuf.ByteString.copyFrom(payload))
            .build();
    frame = Varint.encodeFrame(request);
    body = ByteString.fromArray(frame).drop(Varint.sizeOf(request.getSerializedSize()));

    ByteString all = ByteString.emptyByteString();
    for (int i = 0; i < FRAMES_PER_STREAM; i++) {
      all = all.concat(ByteString.fromArrayUnsafe(frame));
    }
    all = all.compact();
    stream = new ArrayList<>();
    for (int at = 0; at < all.size(); at += CHUNK_BYTES) {
      stream.add(all.slice(at, Math.min(all.size(), at + CHUNK_BYTES)));
    }
    system = ActorSystem.create("codec-benchmark");
  }

  @TearDown
  public void tearDown() throws InterruptedException, ExecutionException {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get();
  }

  /** Plain protobuf: a frame into a fresh array ({@code Varint.encodeFrame}). */
  @Benchmark
  public byte[] encodeFrame() {
    return Varint.encodeFrame(request);
  }

  /** The frame as a Pekko ByteString ({@code VarintFraming.encode}, what the node writes). */
  @Benchmark
  public ByteString encodeByteString() {
    return VarintFraming.encode(request);
  }

  /** Plain protobuf: length prefix and body from an array, as {@code parseDelimitedFrom} does. */
  @Benchmark
  public Request decodeFrame() throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(frame);
    int limit = in.pushLimit(in.readRawVarint32());
    Request parsed = Request.parseFrom(in);
    in.popLimit(limit);
    return parsed;
  }

  /** A frame body held in a Pekko ByteString parsed as the node does it ({@code asByteBuffer}). */
  @Benchmark
  public Request decodeByteStringBody() throws IOException {
    return Request.parseFrom(body.asByteBuffer());
  }

  /**
   * Per frame: the stream of {@value #FRAMES_PER_STREAM} frames, in 64 KiB chunks, split by {@code
   * VarintFraming.decoder} (framing only; parsing is {@link #decodeByteStringBody}). Includes the
   * stream's materialization, spread over the frames.
   */
  @Benchmark
  @OperationsPerInvocation(FRAMES_PER_STREAM)
  public Integer splitFramesWithDecoderStage() throws InterruptedException, ExecutionException {
    return Source.from(stream)
        .via(VarintFraming.decoder(1 << 20))
        .runWith(Sink.fold(0, (count, frameBody) -> count + 1), system)
        .toCompletableFuture()
        .get();
  }
}
