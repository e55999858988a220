package io.meshwork.node.config;

import com.typesafe.config.Config;

/**
 * The node's Prometheus metrics, from {@code meshwork.metrics} (see reference.conf).
 *
 * @param enabled whether the node records metrics and serves {@code GET /metrics}
 * @param maxMethodsPerService most distinct method labels per service; the rest are {@code _other}
 */
public record MetricsSettings(boolean enabled, int maxMethodsPerService) {

  /** Reads and checks {@code meshwork.metrics} of a resolved node config. */
  public static MetricsSettings fromConfig(Config config) {
    Config m = config.getConfig("meshwork.metrics");
    int maxMethods = m.getInt("max-methods-per-service");
    if (maxMethods < 1) {
      throw new IllegalArgumentException(
          "meshwork.metrics.max-methods-per-service: " + maxMethods + " (expected: > 0)");
    }
    return new MetricsSettings(m.getBoolean("enabled"), maxMethods);
  }
}
