package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.PrometheusText;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.StatusRequest;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real jar with {@code MESH_LOG_FORMAT=json}: every line it prints is one JSON object, and a
 * call with a W3C traceparent that the node logs about carries its trace id. Also: the jar serves
 * GET /metrics.
 */
class JsonLogsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  @Test
  void everyLineIsAJsonObjectAndATracedFailureNamesItsTrace() throws Exception {
    String log;
    try (NodeProcess node = NodeProcess.start(
            "json-logs", Map.of("MESH_LOG_FORMAT", "json", "MESH_SERVICES", "all,conformance"))) {
      node.awaitReady(Duration.ofSeconds(60));
      try (WireConnection c = new WireConnection(node.endpoint())) {
        Request internal =
            Request.newBuilder()
                .setId(1)
                .setService("conformance")
                .setMethod("status")
                .setPayload(
                    StatusRequest.newBuilder().setStatus(Status.INTERNAL).setError("on purpose").build().toByteString())
                .putHeaders("traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01")
                .build();
        assertThat(c.call(internal).getStatus()).isEqualTo(Status.INTERNAL);
      }
      PrometheusText metrics = PrometheusText.parse(node.httpGet("/metrics"));
      assertThat(metrics.sum("meshwork_requests_total", "service", "conformance", "status", "INTERNAL")).isEqualTo(1);
      assertThat(node.terminate(Duration.ofSeconds(30))).isEqualTo(143);
      log = node.logText();
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : log.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (Exception e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
      assertThat(event.isObject()).as(line).isTrue();
      assertThat(event.has("timestamp") && event.has("level") && event.has("loggerName") && event.has("message"))
          .as("timestamp, level, loggerName and message in " + line)
          .isTrue();
      lines.add(event);
    }
    assertThat(lines).as("log lines").hasSizeGreaterThan(3);
    assertThat(lines)
        .filteredOn(e -> e.path("formattedMessage").asText().contains("answered INTERNAL: on purpose"))
        .singleElement()
        .satisfies(e -> assertThat(e.path("mdc").path("traceId").asText()).isEqualTo(TRACE_ID));
  }
}
