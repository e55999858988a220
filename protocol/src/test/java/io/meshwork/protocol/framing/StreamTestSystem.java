package io.meshwork.protocol.framing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** A real ActorSystem for one test class, and the ways the codec tests run a decoder on it. */
final class StreamTestSystem {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem system;

  StreamTestSystem(String name) {
    this.system = ActorSystem.create(name);
  }

  ActorSystem system() {
    return system;
  }

  /** Feeds {@code chunks} to a decoder and returns every body, once upstream has completed. */
  List<ByteString> decode(List<ByteString> chunks, int maxFrameBytes) {
    try {
      return run(chunks, maxFrameBytes).toCompletableFuture().get(TIMEOUT.toMillis(), MILLIS);
    } catch (ExecutionException e) {
      throw new AssertionError("decoding failed", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("decoding did not finish in " + TIMEOUT, e);
    }
  }

  /** Feeds {@code chunks} to a decoder that is expected to fail, and returns the failure. */
  Throwable decodeFailure(List<ByteString> chunks, int maxFrameBytes) {
    CompletionStage<List<ByteString>> result = run(chunks, maxFrameBytes);
    try {
      List<ByteString> bodies = result.toCompletableFuture().get(TIMEOUT.toMillis(), MILLIS);
      throw new AssertionError("expected the decoder to fail, but it emitted " + bodies.size());
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("decoding did not finish in " + TIMEOUT, e);
    }
  }

  private CompletionStage<List<ByteString>> run(List<ByteString> chunks, int maxFrameBytes) {
    return Source.from(chunks).via(VarintFraming.decoder(maxFrameBytes)).runWith(Sink.seq(), system);
  }

  /** Terminates the system and waits for it. */
  void shutdown() throws Exception {
    system.terminate();
    assertThat(system.getWhenTerminated().toCompletableFuture().get(TIMEOUT.toMillis(), MILLIS))
        .isNotNull();
  }

  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;
}
