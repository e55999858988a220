package io.meshwork.node.config;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenTelemetry trace export, from {@code meshwork.tracing} (see reference.conf).
 *
 * @param enabled whether the node records a span per routed call and exports them
 * @param endpoint the OTLP/HTTP traces URL, e.g. {@code http://collector:4318/v1/traces}
 * @param sampleRatio the share of new traces recorded (a call with a sampled parent is always)
 * @param serviceName the {@code service.name} resource attribute of every span
 * @param scheduleDelay how long finished spans wait to be exported in one batch
 * @param maxQueueSize finished spans kept while the collector is slow; more are dropped
 * @param exportTimeout the longest one export may take
 * @param headers HTTP headers sent with every export (e.g. a collector's API key)
 */
public record TracingSettings(
    boolean enabled,
    URI endpoint,
    double sampleRatio,
    String serviceName,
    Duration scheduleDelay,
    int maxQueueSize,
    Duration exportTimeout,
    Map<String, String> headers) {

  /** Reads and checks {@code meshwork.tracing} of a resolved node config. */
  public static TracingSettings fromConfig(Config config) {
    Config t = config.getConfig("meshwork.tracing");
    String exporter = t.getString("exporter").trim();
    boolean enabled;
    switch (exporter) {
      case "none", "off", "" -> enabled = false;
      case "otlp" -> enabled = true;
      default ->
          throw new IllegalArgumentException(
              "meshwork.tracing.exporter: \"" + exporter + "\" (expected: none or otlp)");
    }
    String endpointText = t.getString("otlp.endpoint").trim();
    URI endpoint;
    try {
      endpoint = URI.create(endpointText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "meshwork.tracing.otlp.endpoint: \"" + endpointText + "\" (expected: an http(s) URL)", e);
    }
    if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
        || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "meshwork.tracing.otlp.endpoint: \""
              + endpointText
              + "\" (expected: an http(s) URL such as http://localhost:4318/v1/traces)");
    }
    double ratio = t.getDouble("sample-ratio");
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException(
          "meshwork.tracing.sample-ratio: " + ratio + " (expected: 0 to 1)");
    }
    String serviceName = t.getString("service-name").trim();
    if (serviceName.isEmpty()) {
      throw new IllegalArgumentException("meshwork.tracing.service-name: \"\" (expected: a name)");
    }
    Duration delay = positive(t, "otlp.schedule-delay");
    Duration timeout = positive(t, "otlp.timeout");
    int queue = t.getInt("otlp.max-queue-size");
    if (queue < 1) {
      throw new IllegalArgumentException(
          "meshwork.tracing.otlp.max-queue-size: " + queue + " (expected: > 0)");
    }
    return new TracingSettings(
        enabled, endpoint, ratio, serviceName, delay, queue, timeout, headers(t.getString("otlp.headers")));
  }

  /** {@code "name=value,name2=value2"}: the export's extra HTTP headers. */
  static Map<String, String> headers(String text) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? "" : pair.substring(0, eq).trim();
      if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
        throw new IllegalArgumentException(
            "meshwork.tracing.otlp.headers: \""
                + pair.trim()
                + "\" (expected: name=value pairs separated by commas, e.g."
                + " \"authorization=Bearer abc,x-team=mesh\")");
      }
      headers.put(name, pair.substring(eq + 1).trim());
    }
    return Map.copyOf(headers);
  }

  private static Duration positive(Config t, String path) {
    Duration d = t.getDuration(path);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "meshwork.tracing." + path + ": " + t.getString(path) + " (expected: > 0)");
    }
    return d;
  }
}
