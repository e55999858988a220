package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl bench}: a quick load run of one method. Each connection is one {@link MeshClient}
 * with up to {@code --depth} calls in flight; a live progress line goes to stderr every second and
 * a summary with latency percentiles to stdout at the end.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Calls METHOD of SERVICE as fast as --connections x --depth pipelined calls allow (or at"
          + " --rate calls per second) for --duration, printing progress to stderr every second"
          + " and a summary to stdout: requests, req/s, calls by status, and the latency of the"
          + " OK calls (p50, p90, p99, p99.9, max).",
      "Latency is measured from sending a call to its reply; with --rate, from when the call"
          + " was due, so that a stalled node shows in the percentiles.",
      "The payload is given as for call (--text, --file or --json); the same payload is sent"
          + " every time."
    })
final class BenchCommand implements Callable<Integer> {
  private static final int MAX_CONNECTIONS = 1_000;
  private static final int MAX_DEPTH = 100_000;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Target service, e.g. echo.")
  private String service;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "METHOD",
      defaultValue = "",
      description = "Operation within the service; empty by default.")
  private String method;

  @Option(
      names = "--node",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:7700",
      converter = NodeAddressConverter.class,
      description = "The node to load (default: ${DEFAULT-VALUE}).")
  private InetSocketAddress node;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private PayloadSource payloadSource;

  @Option(
      names = "--connections",
      paramLabel = "N",
      defaultValue = "1",
      description = "TCP connections, each a MeshClient (default: ${DEFAULT-VALUE}).")
  private int connections;

  @Option(
      names = "--depth",
      paramLabel = "D",
      defaultValue = "16",
      description = "Calls in flight per connection (default: ${DEFAULT-VALUE}).")
  private int depth;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DeadlineConverter.class,
      description = "How long to send calls: 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
  private Duration duration;

  @Option(
      names = "--rate",
      paramLabel = "R",
      description = "Calls per second in all, spread over the connections; unlimited by default.")
  private Double rate;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DeadlineConverter.class,
      description = "Deadline of each call (default: ${DEFAULT-VALUE}).")
  private Duration deadline;

  @Option(
      names = "--header",
      paramLabel = "NAME=VALUE",
      description = "A request header; repeatable.")
  private Map<String, String> headers = new LinkedHashMap<>();

  @Mixin private TokenOption token;

  @Mixin private ManagementOption management;

  @Mixin private ExitCodeHelp exitCodeHelp;

  @Override
  public Integer call() throws Exception {
    return CommandRunner.run(spec, this::run);
  }

  private int run() throws InterruptedException {
    checkArguments();
    PayloadSource.Payload request =
        PayloadSource.resolve(payloadSource, service, method, management);
    if (request.jsonMethod() != null && request.jsonMethod().streaming()) {
      throw new MeshctlException(
          ExitCodes.STREAMING_UNSUPPORTED,
          service
              + " "
              + request.method()
              + " streams its reply (kind: stream): bench measures unary calls only;"
              + " follow a stream with meshctl call");
    }
    MeshClientOptions options = MeshClientOptions.builder().defaultDeadline(deadline).build();
    List<MeshClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        clients.add(MeshClient.connect(node, options));
      }
      return load(clients, request);
    } catch (ConnectException e) {
      throw new MeshctlException(ExitCodes.UNREACHABLE, e.getMessage());
    } finally {
      clients.forEach(MeshClient::close);
    }
  }

  private void checkArguments() {
    if (connections < 1 || connections > MAX_CONNECTIONS) {
      throw new MeshctlException(
          ExitCodes.INVALID_ARGUMENTS,
          "--connections: " + connections + " (expected: 1 to " + MAX_CONNECTIONS + ")");
    }
    if (depth < 1 || depth > MAX_DEPTH) {
      throw new MeshctlException(
          ExitCodes.INVALID_ARGUMENTS, "--depth: " + depth + " (expected: 1 to " + MAX_DEPTH + ")");
    }
    if (rate != null && !(rate > 0 && rate <= 1e9)) {
      throw new MeshctlException(
          ExitCodes.INVALID_ARGUMENTS,
          "--rate: " + rate + " (expected: more than 0 calls per second)");
    }
  }

  private int load(List<MeshClient> clients, PayloadSource.Payload request)
      throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    boolean terminal = System.console() != null;
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    BenchStats stats = new BenchStats(start);
    // Each connection gets an equal share of the rate: one call every `interval` nanoseconds.
    long interval = rate == null ? 0 : Math.max(1, Math.round(1e9 * clients.size() / rate));
    List<BenchDriver> drivers = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      BenchDriver driver =
          new BenchDriver(
              clients.get(i), request, deadline, token.apply(headers), depth, start, end, interval, stats);
      drivers.add(driver);
      Thread thread = new Thread(driver, "meshctl-bench-" + (i + 1));
      thread.setDaemon(true);
      driver.thread = thread;
      thread.start();
    }

    long nextReport = start + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() - end < 0) {
      LockSupport.parkNanos(Math.min(nextReport, end) - System.nanoTime());
      long now = System.nanoTime();
      if (now - nextReport >= 0) {
        String line = stats.progress(now, start);
        err.print(terminal ? "\r" + line + "\033[K" : line + "\n");
        err.flush();
        nextReport += TimeUnit.SECONDS.toNanos(1);
      }
    }
    // Calls in flight get their deadline and a little more to come back.
    long drainUntil = System.nanoTime() + deadline.toNanos() + TimeUnit.SECONDS.toNanos(2);
    for (BenchDriver driver : drivers) {
      driver.thread.join(
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())));
    }
    long elapsed = System.nanoTime() - start;
    if (terminal) {
      err.print("\n");
      err.flush();
    }

    PrintWriter out = spec.commandLine().getOut();
    String header =
        String.format(
            Locale.ROOT,
            "bench %s%s via %s:%d: %d %s x depth %d, %s, %s",
            service,
            request.method().isEmpty() ? "" : " " + request.method(),
            node.getHostString(),
            node.getPort(),
            clients.size(),
            clients.size() == 1 ? "connection" : "connections",
            depth,
            duration.toMillis() % 1000 == 0
                ? duration.toSeconds() + "s"
                : duration.toMillis() + "ms",
            rate == null ? "unlimited rate" : String.format(Locale.ROOT, "rate %.0f/s", rate));
    out.print(stats.summary(header, elapsed));
    out.flush();
    return stats.errors() == 0 && stats.completed() > 0
        ? ExitCodes.OK
        : ExitCodes.BENCH_FAILED_CALLS;
  }
}
