package io.meshwork.node.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * What one client, or all of them, can make the node hold (see reference.conf, {@code
 * meshwork.endpoint} "Budgets"): bytes per connection and per node, how long a frame or a first
 * request may take to arrive, connections per source address, the size of a request's headers,
 * and protected mode.
 *
 * @param nodeBytes the bytes all client connections together may hold (requests in flight, partial
 *     frames, replies waiting to be written) before the node sheds calls of the connections above
 *     their fair share
 * @param connectionBytes the bytes one connection may hold before the node stops reading it
 */
public record ClientBudgets(
    long nodeBytes,
    long connectionBytes,
    Duration frameTimeout,
    Duration firstRequestTimeout,
    int maxConnectionsPerAddress,
    int maxHeaders,
    int maxHeaderBytes,
    boolean protectedMode) {

  private static final String PREFIX = "meshwork.endpoint.";

  /** Reads the budgets; {@code heapBytes} is the JVM's maximum heap, for budgets given in %. */
  static ClientBudgets fromConfig(Config c, int maxFrameBytes, int readBufferBytes, long heapBytes) {
    long node = bytesOrShare(c, "memory.node-budget", heapBytes);
    long floor = 2L * maxFrameBytes + readBufferBytes;
    long connection;
    if (c.getString("memory.connection-budget").trim().equals("auto")) {
      connection = Math.max(floor, Math.min(node / 32, 32L << 20));
    } else {
      connection = c.getBytes("memory.connection-budget");
      if (connection < floor) {
        throw new IllegalArgumentException(
            PREFIX
                + "memory.connection-budget: "
                + connection
                + " (expected: auto, or >= 2 x max-frame-size + read-buffer-size = "
                + floor
                + " bytes, so that a largest frame always fits beside one in flight)");
      }
    }
    if (node < connection) {
      throw new IllegalArgumentException(
          PREFIX
              + "memory.node-budget: "
              + node
              + " bytes (expected: >= the connection budget, "
              + connection
              + " bytes)");
    }
    return new ClientBudgets(
        node,
        connection,
        positive(c, "frame-timeout"),
        positive(c, "first-request-timeout"),
        atLeastOne(c, "max-connections-per-address"),
        atLeastOne(c, "max-headers"),
        (int) Math.min(Integer.MAX_VALUE, positiveBytes(c, "max-header-bytes")),
        c.getBoolean("protected-mode"));
  }

  /** A byte size, or a share of the heap written as a percentage ("25%"). */
  static long bytesOrShare(Config c, String key, long heapBytes) {
    String value = c.getString(key).trim();
    if (value.endsWith("%")) {
      double percent;
      try {
        percent = Double.parseDouble(value.substring(0, value.length() - 1).trim());
      } catch (NumberFormatException e) {
        percent = -1;
      }
      if (!(percent > 0 && percent <= 90)) {
        throw new IllegalArgumentException(
            PREFIX + key + ": \"" + value + "\" (expected: a share of the heap, 1% to 90%, or a size)");
      }
      return (long) (heapBytes * percent / 100);
    }
    return positiveBytes(c, key);
  }

  private static long positiveBytes(Config c, String key) {
    long bytes = c.getBytes(key);
    if (bytes <= 0) {
      throw new IllegalArgumentException(PREFIX + key + ": " + bytes + " (expected: > 0)");
    }
    return bytes;
  }

  private static int atLeastOne(Config c, String key) {
    int n = c.getInt(key);
    if (n < 1) {
      throw new IllegalArgumentException(PREFIX + key + ": " + n + " (expected: >= 1)");
    }
    return n;
  }

  private static Duration positive(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(PREFIX + key + ": " + d + " (expected: > 0)");
    }
    return d;
  }
}
