package io.meshwork.node.config;

import com.typesafe.config.Config;
import java.time.Duration;

/** Settings of the client endpoint, from {@code meshwork.endpoint} (see reference.conf). */
public record EndpointSettings(
    String host,
    int port,
    int maxFrameBytes,
    Duration defaultDeadline,
    Duration maxDeadline,
    int maxInFlightPerConnection,
    int backlog) {

  static EndpointSettings fromConfig(String host, int port, Config c) {
    long maxFrame = c.getBytes("max-frame-size");
    if (maxFrame <= 0 || maxFrame > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.max-frame-size: " + maxFrame + " (expected: 1 byte to 2 GiB)");
    }
    Duration defaultDeadline = positive(c, "default-deadline");
    Duration maxDeadline = positive(c, "max-deadline");
    if (defaultDeadline.compareTo(maxDeadline) > 0) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.default-deadline: "
              + defaultDeadline
              + " (expected: <= max-deadline "
              + maxDeadline
              + ")");
    }
    int maxInFlight = c.getInt("max-in-flight-per-connection");
    if (maxInFlight <= 0) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.max-in-flight-per-connection: " + maxInFlight + " (expected: > 0)");
    }
    return new EndpointSettings(
        host,
        port,
        (int) maxFrame,
        defaultDeadline,
        maxDeadline,
        maxInFlight,
        c.getInt("backlog"));
  }

  private static Duration positive(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(
          "meshwork.endpoint." + key + ": " + d + " (expected: > 0)");
    }
    return d;
  }
}
