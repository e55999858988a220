package io.meshwork.bench;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one load run does.
 *
 * @param connections TCP connections, all opened before the load starts
 * @param depth closed loop: requests in flight per connection (ignored in open loop)
 * @param payloadBytes size of every request's payload
 * @param ratePerConnection open loop when > 0: requests per second per connection, sent on a fixed
 *     schedule whatever the replies do; 0 = closed loop
 * @param threads selector threads; connections are spread over them
 * @param connectWindow connects in progress at once while opening the connections
 * @param drainTimeout after the measurement, how long to wait for the replies still in flight;
 *     those that do not come count as errors
 */
record LoadSettings(
    String host,
    int port,
    String service,
    int connections,
    int depth,
    int payloadBytes,
    double ratePerConnection,
    Duration warmup,
    Duration duration,
    int threads,
    int connectWindow,
    Duration drainTimeout) {

  LoadSettings {
    requireNonNull(host, "host");
    requireNonNull(service, "service");
    requireNonNull(warmup, "warmup");
    requireNonNull(duration, "duration");
    requireNonNull(drainTimeout, "drainTimeout");
    check(port > 0 && port < 65536, "port", port, "1 to 65535");
    check(connections > 0, "connections", connections, "> 0");
    check(depth > 0, "depth", depth, "> 0");
    check(payloadBytes >= 0 && payloadBytes <= 1 << 20, "payloadBytes", payloadBytes, "0 to 1 MiB");
    check(ratePerConnection >= 0, "ratePerConnection", ratePerConnection, ">= 0");
    check(!warmup.isNegative(), "warmup", warmup, ">= 0");
    check(duration.toNanos() > 0, "duration", duration, "> 0");
    check(threads > 0 && threads <= connections, "threads", threads, "1 to connections");
    check(connectWindow > 0, "connectWindow", connectWindow, "> 0");
    check(!drainTimeout.isNegative(), "drainTimeout", drainTimeout, ">= 0");
  }

  /** Closed loop with the usual defaults: the form the tests and the CLI start from. */
  static LoadSettings closedLoop(
      String host, int port, int connections, int depth, int payloadBytes, Duration duration) {
    return new LoadSettings(
        host,
        port,
        "echo",
        connections,
        depth,
        payloadBytes,
        0,
        Duration.ZERO,
        duration,
        1,
        64,
        Duration.ofSeconds(10));
  }

  boolean openLoop() {
    return ratePerConnection > 0;
  }

  LoadSettings withRatePerConnection(double newRate) {
    return new LoadSettings(
        host,
        port,
        service,
        connections,
        depth,
        payloadBytes,
        newRate,
        warmup,
        duration,
        threads,
        connectWindow,
        drainTimeout);
  }

  LoadSettings withDrainTimeout(Duration newDrainTimeout) {
    return new LoadSettings(
        host,
        port,
        service,
        connections,
        depth,
        payloadBytes,
        ratePerConnection,
        warmup,
        duration,
        threads,
        connectWindow,
        newDrainTimeout);
  }

  /** One line for humans, e.g. "16 connections x depth 16, 64 B payloads, closed loop". */
  String describe() {
    String load =
        openLoop()
            ? String.format("%d connections x %s req/s each, open loop", connections, rate())
            : String.format("%d connections x depth %d, closed loop", connections, depth);
    return String.format(
        "%s:%d service '%s', %s, %d B payloads, warm-up %s s, measured %s s, %d selector thread%s",
        host,
        port,
        service,
        load,
        payloadBytes,
        seconds(warmup),
        seconds(duration),
        threads,
        threads == 1 ? "" : "s");
  }

  private String rate() {
    return ratePerConnection == Math.rint(ratePerConnection)
        ? Long.toString((long) ratePerConnection)
        : Double.toString(ratePerConnection);
  }

  private static String seconds(Duration d) {
    return String.format("%.1f", d.toNanos() / 1e9);
  }

  private static void check(boolean ok, String name, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
    }
  }
}
