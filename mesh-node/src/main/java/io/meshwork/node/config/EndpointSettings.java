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
    int backlog,
    Transport transport,
    String eventLoopDispatcher,
    int readBufferBytes,
    Duration closeLinger) {

  /** How the endpoint does its socket IO ({@code meshwork.endpoint.transport}). */
  public enum Transport {
    /** The node's own NIO event loops, shared with the service actors (the default). */
    EVENT_LOOP("event-loop"),
    /** Pekko's {@code Tcp} extension (Pekko IO actors). */
    PEKKO_IO("pekko-io");

    private final String configName;

    Transport(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static Transport parse(String value) {
      for (Transport t : values()) {
        if (t.configName.equals(value.trim())) {
          return t;
        }
      }
      throw new IllegalArgumentException(
          "meshwork.endpoint.transport: \"" + value + "\" (expected: event-loop or pekko-io)");
    }
  }

  static EndpointSettings fromConfig(String host, int port, Config c, String eventLoopDispatcher) {
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
        c.getInt("backlog"),
        Transport.parse(c.getString("transport")),
        eventLoopDispatcher,
        readBuffer(c),
        positive(c, "close-linger"));
  }

  private static int readBuffer(Config c) {
    long size = c.getBytes("read-buffer-size");
    if (size < 1024 || size > 16 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.read-buffer-size: " + size + " (expected: 1 KiB to 16 MiB)");
    }
    return (int) size;
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
