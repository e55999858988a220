package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UInt32Value;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.PrometheusText;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GET /metrics on the management port, scraped over HTTP and parsed: node A hosts the services,
 * node B hosts none and forwards every call to A.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {
  private static final String REQUESTS = "meshwork_requests_total";
  private static final String DURATION = "meshwork_request_duration_seconds";

  private final TestNodes nodes = new TestNodes();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private MeshNode a;
  private MeshNode b;

  @BeforeAll
  void start() {
    a = nodes.start("echo,ticker,faulty,silent", null);
    b = nodes.start("none", a);
    TestNodes.awaitUp(a, b);
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(b.system()).routingTable().services()).containsKey("echo");
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  private PrometheusText scrape(MeshNode node) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      return PrometheusText.parse(response.body());
    } catch (IOException e) {
      throw new AssertionError("GET /metrics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits until {@code metric} of the node's scrape has moved by exactly {@code delta}. */
  private void awaitDelta(MeshNode node, String what, double before, double delta, ToDoubleFunction<PrometheusText> metric) {
    double[] last = {Double.NaN};
    try {
      Poll.until(
          Duration.ofSeconds(10),
          what,
          () -> {
            last[0] = metric.applyAsDouble(scrape(node));
            return last[0] - before == delta;
          });
    } catch (AssertionError e) {
      throw new AssertionError(what + ": moved by " + (last[0] - before) + " (expected: " + delta + ")", e);
    }
  }

  private static Request call(long id, String service, String method, ByteString payload) {
    return Request.newBuilder().setId(id).setService(service).setMethod(method).setPayload(payload).build();
  }

  private static int frameSize(com.google.protobuf.MessageLite message) {
    int size = message.getSerializedSize();
    return CodedOutputStream.computeUInt32SizeNoTag(size) + size;
  }

  @Test
  void requestsAreCountedByServiceMethodAndStatusWithTheirDurations() {
    PrometheusText before = scrape(a);
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      for (int i = 1; i <= 5; i++) {
        assertThat(c.call(call(i, "echo", "say", ByteString.copyFromUtf8("hi"))).getStatus()).isEqualTo(Status.OK);
      }
      assertThat(c.call(call(6, "faulty", "reject", ByteString.EMPTY)).getStatus()).isEqualTo(Status.PERMISSION_DENIED);
      assertThat(c.call(call(7, "faulty", "reject", ByteString.EMPTY)).getStatus()).isEqualTo(Status.PERMISSION_DENIED);
      assertThat(c.call(call(8, "faulty", "crash", ByteString.EMPTY)).getStatus()).isEqualTo(Status.INTERNAL);
      assertThat(c.call(call(9, "nope", "x", ByteString.EMPTY)).getStatus()).isEqualTo(Status.NOT_FOUND);
    }
    String[] echoOk = {"service", "echo", "method", "say", "status", "OK"};
    awaitDelta(a, "echo say OK", before.sum(REQUESTS, echoOk), 5, s -> s.sum(REQUESTS, echoOk));
    PrometheusText after = scrape(a);
    assertThat(after.sum(REQUESTS, "service", "faulty", "method", "reject", "status", "PERMISSION_DENIED")
            - before.sum(REQUESTS, "service", "faulty", "method", "reject", "status", "PERMISSION_DENIED"))
        .isEqualTo(2);
    assertThat(after.sum(REQUESTS, "service", "faulty", "method", "crash", "status", "INTERNAL")
            - before.sum(REQUESTS, "service", "faulty", "method", "crash", "status", "INTERNAL"))
        .isEqualTo(1);
    assertThat(after.sum(REQUESTS, "service", "_unknown", "method", "_other", "status", "NOT_FOUND")
            - before.sum(REQUESTS, "service", "_unknown", "method", "_other", "status", "NOT_FOUND"))
        .isEqualTo(1);
    // The histogram: one observation per request, in cumulative buckets up to +Inf.
    String[] echoSay = {"service", "echo", "method", "say"};
    assertThat(after.sum(DURATION + "_count", echoSay) - before.sum(DURATION + "_count", echoSay)).isEqualTo(5);
    assertThat(after.sum(DURATION + "_bucket", "service", "echo", "method", "say", "le", "+Inf")
            - before.sum(DURATION + "_bucket", "service", "echo", "method", "say", "le", "+Inf"))
        .isEqualTo(5);
    assertThat(after.sum(DURATION + "_sum", echoSay)).isGreaterThan(before.sum(DURATION + "_sum", echoSay));
    assertThat(after.labelValues(DURATION + "_bucket", "le").size())
        .as("percentile histogram buckets")
        .isGreaterThan(20);
  }

  @Test
  void aStreamCountsOnceWhenItEnds() {
    PrometheusText before = scrape(a);
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(call(1, "ticker", "count", UInt32Value.of(10).toByteString())).flush();
      Reply reply;
      int items = 0;
      while ((reply = c.read()).getMore()) {
        items++;
      }
      assertThat(items).isEqualTo(10);
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
    }
    String[] tickerOk = {"service", "ticker", "method", "count", "status", "OK"};
    awaitDelta(a, "ticker count OK", before.sum(REQUESTS, tickerOk), 1, s -> s.sum(REQUESTS, tickerOk));
    String[] ticker = {"service", "ticker", "method", "count"};
    assertThat(scrape(a).sum(DURATION + "_count", ticker) - before.sum(DURATION + "_count", ticker)).isEqualTo(1);
  }

  @Test
  void callsInFlightAreGaugedUntilTheirDeadline() {
    PrometheusText before = scrape(a);
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      c.write(call(1, "silent", "wait", ByteString.EMPTY).toBuilder().setDeadlineMs(4_000).build()).flush();
      Poll.until(
          Duration.ofSeconds(3),
          "a silent call in flight",
          () -> {
            PrometheusText now = scrape(a);
            return now.sum("meshwork_requests_in_flight") >= 1
                && now.sum("meshwork_service_requests_in_flight", "service", "silent") == 1
                && now.sum("meshwork_connections_open") >= 1;
          });
      assertThat(c.read().getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    }
    PrometheusText after = scrape(a);
    assertThat(after.sum("meshwork_service_requests_in_flight", "service", "silent")).isZero();
    assertThat(after.sum(REQUESTS, "service", "silent", "status", "DEADLINE_EXCEEDED")
            - before.sum(REQUESTS, "service", "silent", "status", "DEADLINE_EXCEEDED"))
        .isEqualTo(1);
    assertThat(after.sum(DURATION + "_sum", "service", "silent") - before.sum(DURATION + "_sum", "service", "silent"))
        .as("a call that timed out lasted its deadline")
        .isGreaterThanOrEqualTo(4.0);
  }

  @Test
  void bytesAreCountedAsTheClientSentAndReceivedThem() {
    PrometheusText before = scrape(a);
    long sent = 0;
    long received = 0;
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      for (int i = 1; i <= 20; i++) {
        Request request = call(i, "echo", "say", ByteString.copyFromUtf8("x".repeat(i * 100)));
        sent += frameSize(request);
        Reply reply = c.call(request);
        received += frameSize(reply);
      }
    }
    double in = before.sum("meshwork_bytes_received_total");
    double out = before.sum("meshwork_bytes_sent_total");
    long expectedIn = sent;
    long expectedOut = received;
    awaitDelta(a, "bytes received", in, expectedIn, s -> s.sum("meshwork_bytes_received_total"));
    awaitDelta(a, "bytes sent", out, expectedOut, s -> s.sum("meshwork_bytes_sent_total"));
  }

  @Test
  void aRouterNodeCountsTheCallsItForwards() {
    PrometheusText before = scrape(b);
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      for (int i = 1; i <= 7; i++) {
        assertThat(c.call(call(i, "echo", "say", ByteString.copyFromUtf8("via b"))).getStatus()).isEqualTo(Status.OK);
      }
    }
    awaitDelta(b, "forwarded calls", before.sum("meshwork_forwarded_calls_total"), 7,
        s -> s.sum("meshwork_forwarded_calls_total"));
    String[] echoOk = {"service", "echo", "method", "say", "status", "OK"};
    awaitDelta(b, "echo OK on the router", before.sum(REQUESTS, echoOk), 7, s -> s.sum(REQUESTS, echoOk));
  }

  @Test
  void clusterMembersAndJvmMetricsAreThere() {
    PrometheusText metrics = scrape(a);
    assertThat(metrics.sum("meshwork_cluster_members", "status", "Up")).isEqualTo(2);
    assertThat(metrics.sum("meshwork_cluster_members", "status", "Down")).isZero();
    assertThat(metrics.sum("jvm_memory_used_bytes")).isPositive();
    assertThat(metrics.has("jvm_threads_live_threads")).isTrue();
    assertThat(metrics.has("jvm_gc_memory_allocated_bytes_total") || metrics.has("jvm_gc_pause_seconds_count"))
        .isTrue();
    assertThat(metrics.sum("process_uptime_seconds")).isPositive();
    assertThat(metrics.has("process_cpu_usage")).isTrue();
  }

  @Test
  void metricsOffRecordNothingAndTheRouteSays404() throws Exception {
    try (TestNodes alone = new TestNodes()) {
      MeshNode off = alone.start("echo", null, java.util.Map.of("meshwork.metrics.enabled", "off"));
      TestNodes.awaitUp(off);
      assertThat(NodeRuntime.get(off.system()).metrics()).isNull();
      try (WireConnection c = new WireConnection(TestNodes.endpoint(off))) {
        assertThat(c.call(call(1, "echo", "say", ByteString.copyFromUtf8("hi"))).getStatus()).isEqualTo(Status.OK);
      }
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + TestNodes.managementPort(off) + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.body()).contains("meshwork.metrics.enabled");
    }
  }

  @Test
  void garbageServiceAndMethodNamesAddNoLabelValues() {
    Random random = new Random(42);
    PrometheusText before = scrape(a);
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      for (int i = 1; i <= 1000; i++) {
        c.write(call(i, "svc-" + Long.toHexString(random.nextLong()), "m" + i, ByteString.EMPTY));
      }
      // Echo takes any method: only its first few become labels. Ticker publishes its methods.
      for (int i = 1001; i <= 1200; i++) {
        c.write(call(i, "echo", "any-" + Long.toHexString(random.nextLong()), ByteString.EMPTY));
      }
      for (int i = 1201; i <= 1300; i++) {
        c.write(call(i, "ticker", "no-such-" + i, ByteString.EMPTY));
      }
      c.flush();
      for (int i = 1; i <= 1300; i++) {
        Reply reply = c.read();
        assertThat(reply.getStatus())
            .isEqualTo(reply.getId() <= 1000 ? Status.NOT_FOUND : reply.getId() <= 1200 ? Status.OK : Status.BAD_REQUEST);
      }
    }
    String[] unknown = {"service", "_unknown", "status", "NOT_FOUND"};
    awaitDelta(a, "unknown services", before.sum(REQUESTS, unknown), 1000, s -> s.sum(REQUESTS, unknown));
    PrometheusText after = scrape(a);
    Set<String> services = after.labelValues(REQUESTS, "service");
    assertThat(services).allMatch(s -> !s.startsWith("svc-"));
    assertThat(after.labelValues(DURATION + "_count", "service")).allMatch(s -> !s.startsWith("svc-"));
    assertThat(after.labelValues("meshwork_service_requests_in_flight", "service")).allMatch(s -> !s.startsWith("svc-"));
    Set<String> echoMethods = new java.util.TreeSet<>();
    after.samples.stream()
        .filter(s -> s.name().equals(REQUESTS) && "echo".equals(s.labels().get("service")))
        .forEach(s -> echoMethods.add(s.labels().get("method")));
    assertThat(echoMethods).hasSizeLessThanOrEqualTo(33).contains("_other");
    assertThat(after.sum(REQUESTS, "service", "ticker", "method", "_other", "status", "BAD_REQUEST")
            - before.sum(REQUESTS, "service", "ticker", "method", "_other", "status", "BAD_REQUEST"))
        .isEqualTo(100);
    assertThat(after.labelValues(REQUESTS, "method")).allMatch(m -> !m.startsWith("no-such-") && !m.startsWith("m"));
  }
}
