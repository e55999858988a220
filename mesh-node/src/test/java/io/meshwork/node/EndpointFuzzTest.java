package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.FuzzInputs;
import io.meshwork.node.testing.FuzzOracle;
import io.meshwork.node.testing.LogWatch;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The client endpoint under hostile input: at least 100,000 generated inputs (random bytes, bad
 * and oversized length prefixes, 10-byte varints, garbage bodies, garbage payloads to real
 * services, unknown services and methods, huge header maps) over real connections, while a
 * well-behaved client keeps calling {@code echo} on a connection of its own. Every input must get
 * the answer the protocol promises (see {@link FuzzOracle}), the good client must never fail or
 * stall, and the node must stay healthy and quiet in its log.
 *
 * <p>Reproduce or scale with {@code -Dfuzz.seed=N -Dfuzz.inputs=N}; the seed is printed first.
 * {@code -Dfuzz.transport=pekko-io} fuzzes the other endpoint transport. An
 * input the fuzzer once broke the node with becomes a case of {@code EndpointHostileInputTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", new Random().nextLong());
  private static final int INPUTS = Integer.getInteger("fuzz.inputs", 100_000);
  /** The endpoint transport to fuzz: event-loop (the default) or pekko-io. */
  private static final String TRANSPORT = System.getProperty("fuzz.transport", "event-loop");
  private static final int MAX_FRAME = 1 << 20;
  private static final int WORKERS = 4;
  private static final int SOCKET_TIMEOUT_MS = 30_000;

  private final TestNodes nodes = new TestNodes();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final LogWatch log = new LogWatch();
  private MeshNode node;
  private InetSocketAddress address;

  @BeforeAll
  void startNodes() {
    node =
        nodes.start(
            "echo,kv,hash,pubsub,conformance", null, Map.of("meshwork.endpoint.transport", TRANSPORT));
    MeshNode other = nodes.start("info", node); // info is called through node: forwarded
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node, other);
    Poll.until(Duration.ofSeconds(20), "node ready (listings settled)", () -> httpStatus("/ready") == 200);
    log.attach();
  }

  @AfterAll
  void stopNodes() {
    log.detach();
    nodes.close();
  }

  @Test
  void theNodeAnswersEveryHostileInputAsTheProtocolSaysAndKeepsServingAGoodClient() throws Exception {
    System.out.printf(
        "EndpointFuzzTest: seed %d, %d inputs, %s transport (-Dfuzz.seed=%d -Dfuzz.inputs=%d -Dfuzz.transport=%s)%n",
        SEED, INPUTS, TRANSPORT, SEED, INPUTS, TRANSPORT);
    long start = System.nanoTime();
    GoodClient good = new GoodClient();
    Thread goodThread = new Thread(good, "fuzz-good-client");
    goodThread.start();

    AtomicLongArray perKind = new AtomicLongArray(FuzzInputs.Kind.values().length);
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    ExecutorService writers = Executors.newCachedThreadPool();
    List<Future<?>> sessions = new ArrayList<>();
    Random plan = new Random(SEED);
    int planned = 0;
    for (int session = 0; planned < INPUTS; session++) {
      long sessionSeed = plan.nextLong();
      int n = session;
      if (plan.nextInt(100) < 96) { // about 9 % of the inputs
        planned += 1;
        sessions.add(workers.submit(() -> closingSession(n, sessionSeed, perKind)));
      } else {
        int frames = Math.min(INPUTS - planned, 50 + plan.nextInt(400));
        planned += frames;
        sessions.add(workers.submit(() -> pipelinedSession(n, sessionSeed, frames, perKind, writers)));
      }
    }
    for (Future<?> f : sessions) {
      f.get(5, TimeUnit.MINUTES);
    }
    workers.shutdown();
    writers.shutdown();
    good.stop.set(true);
    goodThread.join(TimeUnit.SECONDS.toMillis(30));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    Map<FuzzInputs.Kind, Long> kinds = new EnumMap<>(FuzzInputs.Kind.class);
    for (FuzzInputs.Kind k : FuzzInputs.Kind.values()) {
      kinds.put(k, perKind.get(k.ordinal()));
    }
    System.out.printf(
        "EndpointFuzzTest: seed %d: %d inputs on %d connections in %d ms; good client: %d calls, max %d ms%n  %s%n",
        SEED, planned, sessions.size(), tookMs, good.calls.get(), good.maxLatencyMs.get(), kinds);

    assertThat(failures).as("inputs the node did not answer as the protocol says (seed " + SEED + ")").isEmpty();
    assertThat(good.failure).as("the good client's calls (seed " + SEED + ")").isNull();
    assertThat(good.calls.get()).as("good client calls").isGreaterThan(100);
    assertThat(good.maxLatencyMs.get()).as("the good client's slowest call, ms").isLessThan(5_000);

    // Still healthy: ready, serving a new connection, and no heap kept by the hostile connections.
    assertThat(httpStatus("/ready")).isEqualTo(200);
    try (WireConnection c = new WireConnection(address)) {
      assertThat(c.call(WireConnection.echo(1, ByteString.copyFromUtf8("after"))).getStatus()).isEqualTo(Status.OK);
    }
    Poll.until(Duration.ofSeconds(20), "used heap after GC below 512 MiB", () -> {
      System.gc();
      Runtime rt = Runtime.getRuntime();
      return rt.totalMemory() - rt.freeMemory() < 512L << 20;
    });
    assertThat(log.problems).as("log lines at ERROR, or with a stack trace, during the fuzz run").isEmpty();
    assertThat(log.warnings.get()).as("log lines at WARN during the fuzz run").isLessThan(20);
  }

  /**
   * Many keep-open inputs pipelined on one connection, written while the replies are read. Some
   * sessions dribble their bytes in small writes (frames split anywhere); some read nothing until
   * their writer is done or stuck (the node must push back, not buffer without bound).
   */
  private void pipelinedSession(
      int session, long seed, int count, AtomicLongArray perKind, ExecutorService writers) {
    Random random = new Random(seed);
    FuzzInputs inputs = new FuzzInputs(random, MAX_FRAME);
    FuzzOracle oracle = new FuzzOracle();
    List<FuzzInputs.Frame> frames = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      // Ids up to 2^64 - 1: every fourth one has the top bit set (negative as a Java long).
      long id = i % 4 == 3 ? Long.MIN_VALUE | (i + 1) : i + 1;
      FuzzInputs.Frame f = inputs.keepOpen(id);
      frames.add(f);
      perKind.incrementAndGet(f.kind().ordinal());
      oracle.expect(f.body(), describe(session, seed, i, f.kind(), f.bytes()));
    }
    boolean dribble = random.nextInt(10) == 0;
    boolean lateReader = !dribble && random.nextInt(10) == 0;
    String where =
        "pipelined session " + session + " (seed " + seed + ", " + count + " frames"
            + (dribble ? ", dribbled" : "") + (lateReader ? ", late reader" : "") + ")";
    try (Socket socket = connect()) {
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      Future<?> writing =
          writers.submit(
              () -> {
                for (FuzzInputs.Frame f : frames) {
                  byte[] b = f.bytes();
                  if (!dribble) {
                    out.write(b);
                    continue;
                  }
                  for (int at = 0; at < b.length; ) {
                    int n = Math.min(b.length - at, 1 + random.nextInt(b.length > 4096 ? 65536 : 16));
                    out.write(b, at, n);
                    out.flush();
                    at += n;
                  }
                }
                out.flush();
                return null;
              });
      if (lateReader) {
        try {
          writing.get(2, TimeUnit.SECONDS); // done, or blocked by the node's backpressure
        } catch (java.util.concurrent.TimeoutException stillWriting) {
          // the node stopped reading: now drain
        }
      }
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      while (oracle.awaited() > 0) {
        Reply reply = Reply.parseDelimitedFrom(in);
        if (reply == null) {
          failures.add(where + ": the node closed the connection; still owed:" + oracle.describeOwed(5));
          return;
        }
        String wrong = oracle.accept(reply);
        if (wrong != null) {
          failures.add(where + ": " + wrong);
          return;
        }
      }
      writing.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      failures.add(where + ": " + e + "; still owed:" + oracle.describeOwed(5));
    }
  }

  /** One input that breaks the framing, on a connection of its own: an id-0 error, then a close. */
  private void closingSession(int session, long seed, AtomicLongArray perKind) {
    FuzzInputs.Stream input = new FuzzInputs(new Random(seed), MAX_FRAME).closing();
    perKind.incrementAndGet(input.kind().ordinal());
    String where = describe(session, seed, 0, input.kind(), input.bytes()) + (input.fin() ? " + FIN" : "");
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(input.bytes());
      out.flush();
      if (input.abort()) {
        socket.setSoLinger(true, 0);
        return; // reset: nothing to read; the node must simply let go of the connection
      }
      if (input.fin()) {
        socket.shutdownOutput();
      }
      FuzzOracle.Framing framing = FuzzOracle.frame(input.bytes(), MAX_FRAME, input.fin());
      FuzzOracle oracle = new FuzzOracle();
      for (byte[] body : framing.bodies()) {
        oracle.expect(body, where);
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      boolean errorSeen = false;
      for (Reply reply = Reply.parseDelimitedFrom(in); reply != null; reply = Reply.parseDelimitedFrom(in)) {
        if (framing.breaks() != FuzzOracle.Break.NONE
            && !errorSeen
            && reply.getId() == 0
            && reply.getStatus() == Status.BAD_REQUEST
            && reply.getError().contains(framing.breaks().errorMentions)) {
          errorSeen = true;
          continue;
        }
        String wrong = oracle.accept(reply);
        if (wrong != null) {
          failures.add(where + ": " + wrong);
          return;
        }
      }
      if (framing.breaks() == FuzzOracle.Break.NONE) {
        if (oracle.awaited() > 0) {
          failures.add(where + ": closed with answers owed:" + oracle.describeOwed(5));
        }
      } else if (!errorSeen) {
        failures.add(where + ": closed without the id-0 BAD_REQUEST for " + framing.breaks());
      }
    } catch (Exception e) {
      failures.add(where + ": " + e);
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(address, 5_000);
    socket.setSoTimeout(SOCKET_TIMEOUT_MS);
    socket.setTcpNoDelay(true);
    return socket;
  }

  private static String describe(int session, long seed, int index, FuzzInputs.Kind kind, byte[] bytes) {
    String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 96));
    return "[session " + session + " seed " + seed + " #" + index + " " + kind + ", " + bytes.length + " bytes: " + hex
        + (bytes.length > 96 ? "..." : "") + "]";
  }

  private int httpStatus(String path) {
    try {
      URI uri = URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + path);
      return HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Calls echo one call at a time and checks every answer and its latency. */
  private final class GoodClient implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong maxLatencyMs = new AtomicLong();
    volatile String failure;

    @Override
    public void run() {
      Random random = new Random(SEED);
      try (WireConnection c = new WireConnection(address)) {
        for (long id = 1; !stop.get(); id++) {
          byte[] payload = new byte[random.nextInt(2048)];
          random.nextBytes(payload);
          long t0 = System.nanoTime();
          Reply reply = c.call(WireConnection.echo(id, ByteString.copyFrom(payload)));
          long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          maxLatencyMs.accumulateAndGet(ms, Math::max);
          if (reply.getId() != id || reply.getStatus() != Status.OK || !reply.getPayload().equals(ByteString.copyFrom(payload))) {
            failure = "call " + id + " got " + FuzzOracle.brief(reply);
            return;
          }
          calls.incrementAndGet();
        }
      } catch (RuntimeException | AssertionError e) {
        failure = e.toString();
      }
    }
  }
}
