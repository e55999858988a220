package io.meshwork.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load generator for the Meshwork wire protocol: N connections, closed loop with D requests in
 * flight per connection or open loop at a fixed rate; checks every reply and reports throughput and
 * latency percentiles (HdrHistogram), with a last line {@code RESULT key=value ...} for scripts.
 * Exits 1 when a request failed or nothing completed, 2 when it could not run.
 */
@Command(
    name = "load-generator",
    mixinStandardHelpOptions = true,
    description = "Sends echo requests to a Meshwork endpoint and measures requests/s and latency.",
    sortOptions = false)
public final class LoadGenerator implements Callable<Integer> {
  @Option(names = "--host", description = "server address (default: ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", required = true, description = "server port")
  int port;

  @Option(names = "--service", description = "Request.service (default: ${DEFAULT-VALUE})")
  String service = "echo";

  @Option(names = "--connections", description = "TCP connections (default: ${DEFAULT-VALUE})")
  int connections = 1;

  @Option(
      names = "--depth",
      description = "closed loop: requests in flight per connection (default: ${DEFAULT-VALUE})")
  int depth = 1;

  @Option(
      names = "--payload",
      description = "payload bytes per request (default: ${DEFAULT-VALUE})")
  int payload = 64;

  @Option(
      names = "--rate-per-connection",
      description =
          "open loop: requests per second per connection, evenly spread over time and"
              + " connections; --depth is then ignored (default: closed loop)")
  double ratePerConnection;

  @Option(
      names = "--warmup",
      description = "warm-up seconds, not recorded (default: ${DEFAULT-VALUE})")
  double warmupSeconds = 5;

  @Option(names = "--duration", description = "measured seconds (default: ${DEFAULT-VALUE})")
  double durationSeconds = 10;

  @Option(names = "--threads", description = "selector threads (default: ${DEFAULT-VALUE})")
  int threads = 1;

  @Option(
      names = "--connect-window",
      description = "connects in progress at once (default: ${DEFAULT-VALUE})")
  int connectWindow = 64;

  @Option(
      names = "--drain-timeout",
      description =
          "seconds to wait for replies in flight after the measurement; missing ones are errors"
              + " (default: ${DEFAULT-VALUE})")
  double drainTimeoutSeconds = 10;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadGenerator()).execute(args));
  }

  @Override
  public Integer call() {
    LoadSettings settings;
    try {
      settings =
          new LoadSettings(
              host,
              port,
              service,
              connections,
              depth,
              payload,
              ratePerConnection,
              seconds(warmupSeconds),
              seconds(durationSeconds),
              threads,
              connectWindow,
              seconds(drainTimeoutSeconds));
    } catch (IllegalArgumentException e) {
      System.err.println("load-generator: " + e.getMessage());
      return 2;
    }
    LoadResult result;
    try {
      result = LoadEngine.run(settings, System.err);
    } catch (IOException e) {
      System.err.println("load-generator: " + e.getMessage());
      return 2;
    }
    System.out.println(result.summary(settings));
    System.out.println(result.resultLine());
    return result.ok() ? 0 : 1;
  }

  private static Duration seconds(double seconds) {
    if (Double.isNaN(seconds) || seconds < 0) {
      throw new IllegalArgumentException("seconds: " + seconds + " (expected: >= 0)");
    }
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }
}
