package io.meshwork.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

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
    Duration closeLinger,
    Map<String, Integer> servicePorts,
    String dedicatedService,
    int maxOutboxBytes,
    Limits limits,
    ClientBudgets budgets,
    TlsSettings tls) {

  /**
   * The node-wide bounds of the endpoint (see reference.conf): open connections, requests in
   * flight, idle connections and clients that stop reading. A zero duration turns its check off.
   */
  public record Limits(
      int maxConnections, int maxInFlightPerNode, Duration idleTimeout, Duration writeStallTimeout) {
    static Limits fromConfig(Config c) {
      int maxConnections = c.getInt("max-connections");
      int maxInFlight = c.getInt("max-in-flight-per-node");
      if (maxConnections <= 0) {
        throw new IllegalArgumentException(
            "meshwork.endpoint.max-connections: " + maxConnections + " (expected: > 0)");
      }
      if (maxInFlight <= 0) {
        throw new IllegalArgumentException(
            "meshwork.endpoint.max-in-flight-per-node: " + maxInFlight + " (expected: > 0)");
      }
      return new Limits(
          maxConnections,
          maxInFlight,
          nonNegative(c, "idle-timeout"),
          nonNegative(c, "write-stall-timeout"));
    }
  }

  public EndpointSettings {
    java.util.Objects.requireNonNull(tls, "tls");
    java.util.Objects.requireNonNull(budgets, "budgets");
    servicePorts = Collections.unmodifiableMap(new TreeMap<>(servicePorts));
  }

  /**
   * The settings of the dedicated port of {@code service}: the same endpoint, on that port, where a
   * request's {@code service} may be left empty.
   */
  public EndpointSettings forService(String service) {
    Integer servicePort = servicePorts.get(service);
    if (servicePort == null) {
      throw new IllegalArgumentException("no dedicated port for service " + service);
    }
    return new EndpointSettings(
        host,
        servicePort,
        maxFrameBytes,
        defaultDeadline,
        maxDeadline,
        maxInFlightPerConnection,
        backlog,
        transport,
        eventLoopDispatcher,
        readBufferBytes,
        closeLinger,
        servicePorts,
        service,
        maxOutboxBytes,
        limits,
        budgets,
        tls);
  }

  /** True for a service's dedicated port, false for the node's shared port. */
  public boolean dedicated() {
    return dedicatedService != null;
  }

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
    int readBuffer = readBuffer(c);
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
        readBuffer,
        positive(c, "close-linger"),
        servicePorts(c.getConfig("service-ports"), port),
        null,
        outbox(c),
        Limits.fromConfig(c),
        ClientBudgets.fromConfig(c, (int) maxFrame, readBuffer, Runtime.getRuntime().maxMemory()),
        TlsSettings.fromConfig("meshwork.endpoint.tls", c.getConfig("tls"), false));
  }

  private static Map<String, Integer> servicePorts(Config c, int sharedPort) {
    Map<String, Integer> ports = new TreeMap<>();
    Map<Integer, String> byPort = new HashMap<>();
    for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
      String key = "meshwork.endpoint.service-ports." + e.getKey();
      Object value = e.getValue().unwrapped();
      if (!(value instanceof Number n) || n.intValue() < 0 || n.intValue() > 65535) {
        throw new IllegalArgumentException(key + ": " + value + " (expected: a port, 0-65535)");
      }
      int port = n.intValue();
      if (port != 0 && (port == sharedPort || byPort.containsKey(port))) {
        throw new IllegalArgumentException(
            key
                + ": "
                + port
                + " (expected: a port of its own; "
                + (port == sharedPort ? "meshwork.port" : "service " + byPort.get(port))
                + " uses it)");
      }
      byPort.put(port, e.getKey());
      ports.put(e.getKey(), port);
    }
    return ports;
  }

  private static int outbox(Config c) {
    long size = c.getBytes("max-outbox-size");
    if (size < 64 * 1024 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.max-outbox-size: " + size + " (expected: 64 KiB to 2 GiB)");
    }
    return (int) size;
  }

  private static int readBuffer(Config c) {
    long size = c.getBytes("read-buffer-size");
    if (size < 1024 || size > 16 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.read-buffer-size: " + size + " (expected: 1 KiB to 16 MiB)");
    }
    return (int) size;
  }

  private static Duration nonNegative(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.isNegative()) {
      throw new IllegalArgumentException(
          "meshwork.endpoint." + key + ": " + d + " (expected: >= 0; 0 turns it off)");
    }
    return d;
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
