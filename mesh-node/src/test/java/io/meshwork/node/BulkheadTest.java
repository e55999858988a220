package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.DigestReply;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bulkhead: a service that declares {@code blocking()} runs on {@code
 * meshwork.blocking-dispatcher}, so that keeping it busy does not slow down the services on the
 * event loops of the same node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkheadTest {
  /** Pekko names a dispatcher's threads after the system and the dispatcher's config path. */
  private static final String BULKHEAD_THREAD = "meshwork-meshwork.blocking-dispatcher-";

  private static final String EVENT_LOOP_THREAD = "meshwork-event-loop-";

  /** A dispatcher of the test's own, for {@code thread} through meshwork.service-dispatchers. */
  private static final String OWN_DISPATCHER = "bulkhead-test-dispatcher";

  /** Classes whose frames are on a thread's stack while it derives a key, or echoes. */
  private static final String PBKDF2_CLASS = "io.meshwork.services.hash.Pbkdf2HmacSha256";

  private static final String ECHO_CLASS = "io.meshwork.services.echo.EchoService";

  /**
   * Event loops of the node, and echo connections measured: connections go to the loops in turn,
   * so every loop serves one of them, and whichever loop a busy service would stall shows.
   */
  private static final int EVENT_LOOPS = 2;

  private static final int ECHO_CALLS = 2_000;
  private static final int HASH_CONNECTIONS = 4;
  private static final int HASH_DEPTH = 4;

  /** About 40 ms of work per call on one core of the machine this was written on. */
  private static final Pbkdf2Request EXPENSIVE =
      Pbkdf2Request.newBuilder()
          .setPassword(ByteString.copyFromUtf8("correct horse battery staple"))
          .setSalt(ByteString.copyFromUtf8("bulkhead-salt"))
          .setIterations(200_000)
          .setKeyBytes(32)
          .build();

  private final TestNodes nodes = new TestNodes();
  private InetSocketAddress address;

  /** The key EXPENSIVE derives, computed by the JDK. */
  private ByteString expensiveKey;

  @BeforeAll
  void startNode() throws Exception {
    expensiveKey =
        ByteString.copyFrom(
            SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(
                    new PBEKeySpec(
                        EXPENSIVE.getPassword().toStringUtf8().toCharArray(),
                        EXPENSIVE.getSalt().toByteArray(),
                        EXPENSIVE.getIterations(),
                        EXPENSIVE.getKeyBytes() * 8))
                .getEncoded());
    MeshNode node =
        nodes.start(
            "echo,hash,thread,thread-blocking",
            null,
            Map.of(
                "meshwork.event-loop-dispatcher.event-loops", EVENT_LOOPS,
                "meshwork.service-dispatchers.thread", OWN_DISPATCHER,
                OWN_DISPATCHER + ".type", "Dispatcher",
                OWN_DISPATCHER + ".executor", "thread-pool-executor"));
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  @Test
  void aBlockingServiceRunsOnTheBulkheadAndAConfiguredOneOnItsOwnDispatcher() {
    // Unconfigured, "thread" runs on the event loops (EndpointTest), as echo does below.
    try (WireConnection c = new WireConnection(address)) {
      assertThat(threadOf(c, "thread-blocking")).startsWith(BULKHEAD_THREAD);
      assertThat(threadOf(c, "thread")).startsWith("meshwork-" + OWN_DISPATCHER + "-");
    }
  }

  @Test
  void hashComputesOnTheBulkheadWhileEchoRunsOnTheEventLoops() throws Exception {
    HashLoad load = new HashLoad();
    AtomicBoolean calling = new AtomicBoolean(true);
    CompletableFuture<Void> echoCaller =
        CompletableFuture.runAsync(
            () -> {
              try (WireConnection c = new WireConnection(address)) {
                while (calling.get()) {
                  echoLatencies(List.of(c), 100);
                }
              }
            });
    try {
      load.awaitCompleted(1);
      Map<String, Set<String>> threads = threadsRunning(PBKDF2_CLASS, ECHO_CLASS);
      assertThat(threads.get(PBKDF2_CLASS))
          .as("threads seen deriving keys")
          .isNotEmpty()
          .allMatch(name -> name.startsWith(BULKHEAD_THREAD));
      // An echo takes microseconds, so a stack sample may never catch one (it did not, once, in
      // a full build): whatever is caught must be on the event loops. That echo runs there at
      // all is shown deterministically by EndpointTest.servicesRunOnTheNodesEventLoops.
      assertThat(threads.get(ECHO_CLASS))
          .as("threads seen echoing")
          .allMatch(name -> name.startsWith(EVENT_LOOP_THREAD));
    } finally {
      calling.set(false);
      echoCaller.get(30, TimeUnit.SECONDS);
      load.stop();
    }
    assertThat(load.failures).as("hash calls that failed").isEmpty();
  }

  @Test
  void echoKeepsItsLatencyWhileHashIsSaturated() throws Exception {
    List<WireConnection> echoConnections = new ArrayList<>();
    for (int i = 0; i < EVENT_LOOPS; i++) {
      echoConnections.add(new WireConnection(address));
    }
    try {
      echoLatencies(echoConnections, ECHO_CALLS); // warm-up
      long idleP99 = p99(echoLatencies(echoConnections, ECHO_CALLS));

      HashLoad load = new HashLoad();
      List<Long> loaded = new ArrayList<>();
      long answeredDuring;
      long inFlightAfter;
      long windowMs;
      try {
        load.awaitCompleted(HASH_CONNECTIONS);
        // At least ECHO_CALLS calls, and for as long as hash takes to answer at least 5 calls.
        long answeredBefore = load.completed.get();
        long windowStart = System.nanoTime();
        long giveUp = windowStart + TimeUnit.SECONDS.toNanos(30);
        while ((loaded.size() < ECHO_CALLS || load.completed.get() - answeredBefore < 5)
            && System.nanoTime() < giveUp) {
          loaded.addAll(echoLatencies(echoConnections, 100));
        }
        answeredDuring = load.completed.get() - answeredBefore;
        inFlightAfter = load.inFlight();
        windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - windowStart);
      } finally {
        load.stop();
      }
      assertThat(load.failures).as("hash calls that failed").isEmpty();
      long loadedP99 = p99(loaded);
      System.out.printf(
          "BulkheadTest: echo p99 idle %d us, loaded %d us (%d calls in %d ms, while hash"
              + " answered %d calls and had %d in flight after)%n",
          idleP99 / 1000, loadedP99 / 1000, loaded.size(), windowMs, answeredDuring, inFlightAfter);

      // Hash was busy during the measurement, so the bound below means something...
      assertThat(answeredDuring).as("hash calls answered meanwhile").isGreaterThanOrEqualTo(5);
      assertThat(inFlightAfter).as("hash calls in flight at the end").isPositive();
      // ...and echo, on the event loops, hardly noticed.
      assertThat(loadedP99)
          .as("echo p99 under load (idle: %d us)", idleP99 / 1000)
          .isLessThanOrEqualTo(Math.max(10 * idleP99, TimeUnit.MILLISECONDS.toNanos(50)));
    } finally {
      echoConnections.forEach(WireConnection::close);
    }
  }

  private static String threadOf(WireConnection c, String service) {
    Reply reply = c.call(Request.newBuilder().setId(1).setService(service).build());
    assertThat(reply.getStatus()).isEqualTo(Status.OK);
    return reply.getPayload().toStringUtf8();
  }

  /** Round-trip times of {@code n} sequential echo calls, on each connection in turn, in ns. */
  private static List<Long> echoLatencies(List<WireConnection> connections, int n) {
    ByteString payload = ByteString.copyFromUtf8("ping");
    List<Long> nanos = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      WireConnection c = connections.get(i % connections.size());
      long start = System.nanoTime();
      Reply reply = c.call(echo(i, payload));
      nanos.add(System.nanoTime() - start);
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload()).isEqualTo(payload);
    }
    return nanos;
  }

  private static long p99(List<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
  }

  /**
   * For each class, the names of the threads seen running its code, in stack samples 10 ms apart
   * until every class was seen or 10 s passed. Never during a latency measurement: each sample
   * stops every thread for a moment.
   */
  private static Map<String, Set<String>> threadsRunning(String... classNames)
      throws InterruptedException {
    Map<String, Set<String>> threads = new HashMap<>();
    for (String className : classNames) {
      threads.put(className, new TreeSet<>());
    }
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (threads.values().stream().anyMatch(Set::isEmpty) && System.nanoTime() < giveUp) {
      Thread.getAllStackTraces()
          .forEach(
              (thread, stack) -> {
                for (StackTraceElement frame : stack) {
                  Set<String> names = threads.get(frame.getClassName());
                  if (names != null) {
                    names.add(thread.getName());
                  }
                }
              });
      Thread.sleep(10);
    }
    return threads;
  }

  /**
   * Keeps {@code hash} saturated: {@link #HASH_CONNECTIONS} connections, each with {@link
   * #HASH_DEPTH} expensive pbkdf2 calls in flight, sent again as soon as one is answered.
   */
  private final class HashLoad {
    final AtomicLong completed = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService threads = Executors.newFixedThreadPool(HASH_CONNECTIONS);
    private final List<Future<?>> connections = new ArrayList<>();

    HashLoad() {
      for (int i = 0; i < HASH_CONNECTIONS; i++) {
        connections.add(threads.submit(this::run));
      }
    }

    private void run() {
      try (WireConnection c = new WireConnection(address)) {
        long id = 0;
        for (int i = 0; i < HASH_DEPTH; i++) {
          send(c, ++id);
        }
        c.flush();
        int outstanding = HASH_DEPTH;
        while (outstanding > 0) {
          Reply reply = c.read();
          outstanding--;
          ByteString key =
              reply.getStatus() == Status.OK
                  ? DigestReply.parseFrom(reply.getPayload()).getDigest()
                  : ByteString.EMPTY;
          if (!key.equals(expensiveKey)) {
            failures.add(
                "call " + reply.getId() + ": " + reply.getStatus() + " " + reply.getError());
          }
          completed.incrementAndGet();
          if (running.get()) {
            send(c, ++id);
            c.flush();
            outstanding++;
          }
        }
      } catch (Exception | AssertionError e) {
        failures.add(e.toString());
      }
    }

    private void send(WireConnection c, long id) {
      c.write(
          Request.newBuilder()
              .setId(id)
              .setService("hash")
              .setMethod("pbkdf2")
              .setDeadlineMs(120_000)
              .setPayload(EXPENSIVE.toByteString())
              .build());
      sent.incrementAndGet();
    }

    long inFlight() {
      return sent.get() - completed.get();
    }

    void awaitCompleted(long calls) {
      Poll.until(
          Duration.ofSeconds(30),
          calls + " hash calls answered",
          () -> completed.get() >= calls || !failures.isEmpty());
      assertThat(failures).isEmpty();
      assertThat(completed.get()).as("hash calls answered").isGreaterThanOrEqualTo(calls);
    }

    /**
     * Stops sending and waits for the calls in flight to be answered. Check {@link #failures}
     * afterwards.
     */
    void stop() throws Exception {
      running.set(false);
      for (Future<?> connection : connections) {
        connection.get(60, TimeUnit.SECONDS);
      }
      threads.shutdown();
    }
  }
}
