package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.TracingSettings;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OpenTelemetry export: the entry node of a call records a SERVER span, a child of the request's
 * traceparent, and exports it over OTLP/HTTP to a collector (here a real HTTP server that decodes
 * the OTLP protobuf); the call reaches the service on the other node with a traceparent naming
 * that span.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceExportTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CLIENT_SPAN = "b7ad6b7169203331";
  private static final Pattern SEEN_TRACEPARENT =
      Pattern.compile("traceparent=00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");

  private final TestNodes nodes = new TestNodes();
  private final ConcurrentLinkedQueue<Span> exported = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> resourceAttributes = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> apiKeys = new ConcurrentLinkedQueue<>();
  private HttpServer collector;
  private MeshNode entry;
  private MeshNode host;

  @BeforeAll
  void start() throws IOException {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          apiKeys.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")));
          try (InputStream body = exchange.getRequestBody()) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans rs : request.getResourceSpansList()) {
              rs.getResource().getAttributesList().forEach(kv -> resourceAttributes.add(text(kv)));
              for (ScopeSpans ss : rs.getScopeSpansList()) {
                exported.addAll(ss.getSpansList());
              }
            }
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, 0);
          exchange.close();
        });
    collector.start();
    String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces";
    host = nodes.start("inspect,silent", null);
    entry =
        nodes.start(
            "none",
            host,
            Map.of(
                "meshwork.tracing.exporter", "otlp",
                "meshwork.tracing.otlp.endpoint", endpoint,
                "meshwork.tracing.otlp.schedule-delay", "100ms",
                "meshwork.tracing.otlp.headers", "x-api-key=s3cret, x-team=mesh",
                "meshwork.tracing.service-name", "meshwork-test"));
    TestNodes.awaitUp(host, entry);
    TestProbe<Object> probe = TestProbe.create(entry.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(entry.system()).routingTable().services())
              .containsKeys("inspect", "silent");
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
    if (collector != null) {
      collector.stop(0);
    }
  }

  private static String text(KeyValue kv) {
    return kv.getKey() + "=" + kv.getValue().getStringValue();
  }

  private static String attribute(Span span, String key) {
    return span.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(kv -> kv.getValue().getStringValue())
        .findFirst()
        .orElse(null);
  }

  private static String hex(com.google.protobuf.ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private Span exportedSpan(String traceId) {
    List<Span> found = new ArrayList<>();
    Poll.until(
        Duration.ofSeconds(20),
        "a span of trace " + traceId + " reaches the collector",
        () -> {
          exported.stream().filter(s -> hex(s.getTraceId()).equals(traceId)).forEach(found::add);
          return !found.isEmpty();
        });
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static Reply inspect(WireConnection conn, long id, Map<String, String> headers)
      throws Exception {
    return conn.call(
        Request.newBuilder()
            .setId(id)
            .setService("inspect")
            .setMethod("get")
            .setPayload(StringValue.of("x").toByteString())
            .putAllHeaders(headers)
            .build());
  }

  @Test
  void aCallWithATraceparentIsAChildSpanAndTheServiceSeesTheSpanAsItsParent() throws Exception {
    String traceparent = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";
    Reply reply;
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(entry))) {
      reply = inspect(conn, 1, Map.of("traceparent", traceparent, "x-other", "kept"));
    }
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    String seen = StringValue.parseFrom(reply.getPayload()).getValue();
    Matcher m = SEEN_TRACEPARENT.matcher(seen);
    assertThat(m.find()).as(seen).isTrue();
    assertThat(seen).contains("x-other=kept");

    Span span = exportedSpan(TRACE_ID);
    assertThat(span.getName()).isEqualTo("inspect/get");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(hex(span.getParentSpanId())).isEqualTo(CLIENT_SPAN);
    assertThat(attribute(span, "rpc.system")).isEqualTo("meshwork");
    assertThat(attribute(span, "rpc.service")).isEqualTo("inspect");
    assertThat(attribute(span, "rpc.method")).isEqualTo("get");
    assertThat(attribute(span, "meshwork.status")).isEqualTo("OK");
    assertThat(span.getStatus().getCode()).isNotEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getEndTimeUnixNano()).isGreaterThanOrEqualTo(span.getStartTimeUnixNano());
    // The service on the other node got the same trace, with the entry node's span as parent.
    assertThat(m.group(1)).isEqualTo(TRACE_ID);
    assertThat(m.group(2)).isEqualTo(hex(span.getSpanId()));
    assertThat(m.group(3)).isEqualTo("01");
    assertThat(resourceAttributes).contains("service.name=meshwork-test");
    assertThat(apiKeys).isNotEmpty().containsOnly("s3cret"); // meshwork.tracing.otlp.headers
    assertThat(resourceAttributes)
        .contains("service.instance.id=" + entry.system().address().toString());
  }

  @Test
  void aCallWithoutTraceparentStartsATraceThatTheServiceJoins() throws Exception {
    Reply reply;
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(entry))) {
      reply = inspect(conn, 1, Map.of());
    }
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    String seen = StringValue.parseFrom(reply.getPayload()).getValue();
    Matcher m = SEEN_TRACEPARENT.matcher(seen);
    assertThat(m.find()).as(seen).isTrue();
    Span span = exportedSpan(m.group(1));
    assertThat(span.getParentSpanId().isEmpty()).as("a root span").isTrue();
    assertThat(hex(span.getSpanId())).isEqualTo(m.group(2));
    // Sampled (ratio 1.0); the SDK may also set W3C level 2's "random trace id" flag (02).
    assertThat(Integer.parseInt(m.group(3), 16) & 1).as("sampled flag of " + m.group(3)).isEqualTo(1);
  }

  @Test
  void aCallThatMissesItsDeadlineIsAnErrorSpan() throws Exception {
    String traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
    Reply reply;
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(entry))) {
      reply =
          conn.call(
              Request.newBuilder()
                  .setId(7)
                  .setService("silent")
                  .setMethod("wait")
                  .setDeadlineMs(200)
                  .putHeaders("traceparent", "00-" + traceId + "-" + CLIENT_SPAN + "-01")
                  .build());
    }
    assertThat(reply.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    Span span = exportedSpan(traceId);
    assertThat(span.getName()).isEqualTo("silent/wait");
    assertThat(attribute(span, "meshwork.status")).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(span.getStatus().getCode())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getStatus().getMessage()).contains("deadline");
  }

  @Test
  void anUnsampledParentIsPropagatedButNotExported() throws Exception {
    String traceId = "6bf92f3577b34da6a3ce929d0e0e4736";
    Reply reply;
    try (WireConnection conn = new WireConnection(TestNodes.endpoint(entry))) {
      reply = inspect(conn, 1, Map.of("traceparent", "00-" + traceId + "-" + CLIENT_SPAN + "-00"));
      // A sampled call after it: once its span is exported, the unsampled one would have been too.
      assertThat(inspect(conn, 2, Map.of("traceparent", "00-" + TRACE_ID.replace('0', '7') + "-" + CLIENT_SPAN + "-01")).getStatus())
          .isEqualTo(Status.OK);
    }
    String seen = StringValue.parseFrom(reply.getPayload()).getValue();
    Matcher m = SEEN_TRACEPARENT.matcher(seen);
    assertThat(m.find()).as(seen).isTrue();
    assertThat(m.group(1)).isEqualTo(traceId);
    assertThat(m.group(3)).isEqualTo("00");
    exportedSpan(TRACE_ID.replace('0', '7'));
    Optional<Span> unsampled =
        exported.stream().filter(s -> hex(s.getTraceId()).equals(traceId)).findAny();
    assertThat(unsampled).isEmpty();
  }

  @Test
  void withSampleRatioZeroOnlyCallsWithATraceparentAreTraced() {
    TracingSettings zero =
        settings("meshwork.tracing.exporter = otlp\nmeshwork.tracing.sample-ratio = 0");
    try (io.meshwork.node.tracing.NodeTracing tracing =
        io.meshwork.node.tracing.NodeTracing.start(zero, "pekko://meshwork@127.0.0.1:1")) {
      for (int i = 0; i < 1000; i++) {
        assertThat(tracing.start("echo", "", Map.of("x", "y"))).isNull();
      }
      var span =
          tracing.start("echo", "", Map.of("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01"));
      assertThat(span).isNotNull();
      assertThat(span.getSpanContext().getTraceId()).isEqualTo(TRACE_ID);
      assertThat(span.getSpanContext().isSampled()).isTrue();
      assertThat(tracing.propagate(Map.of("x", "y"), span))
          .containsEntry("x", "y")
          .containsEntry(
              "traceparent",
              "00-" + TRACE_ID + "-" + span.getSpanContext().getSpanId() + "-01");
      span.end();
    }
  }

  @Test
  void badSettingsAreRefusedWithTheSettingNamed() {
    assertThatThrownBy(() -> settings("meshwork.tracing.exporter = zipkin"))
        .hasMessageContaining("meshwork.tracing.exporter: \"zipkin\" (expected: none or otlp)");
    assertThatThrownBy(() -> settings("meshwork.tracing.otlp.endpoint = \"collector:4318\""))
        .hasMessageContaining("meshwork.tracing.otlp.endpoint");
    assertThatThrownBy(() -> settings("meshwork.tracing.sample-ratio = 1.5"))
        .hasMessageContaining("meshwork.tracing.sample-ratio: 1.5 (expected: 0 to 1)");
    assertThatThrownBy(() -> settings("meshwork.tracing.otlp.headers = \"authorization\""))
        .hasMessageContaining("meshwork.tracing.otlp.headers: \"authorization\" (expected: name=value");
    assertThat(settings("meshwork.tracing.otlp.headers = \"a=1=2, b = x \"").headers())
        .isEqualTo(Map.of("a", "1=2", "b", "x"));
    assertThat(settings("").enabled()).isFalse();
  }

  private static TracingSettings settings(String conf) {
    return TracingSettings.fromConfig(
        ConfigFactory.parseString(conf).withFallback(ConfigFactory.defaultReference()).resolve());
  }
}
