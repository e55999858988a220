package io.meshwork.protocol.conformance;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.JsonFormat;
import io.meshwork.protocol.conformance.v1.Case;
import io.meshwork.protocol.conformance.v1.Suite;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs the protocol conformance suite ({@code protocol/conformance/cases.json}) against a running
 * node's client port, with plain sockets: each case on a connection of its own, one after the
 * other.
 *
 * <pre>{@code
 * Suite suite = ConformanceRunner.load(Path.of("protocol/conformance/cases.json"));
 * for (CaseResult result : new ConformanceRunner(new InetSocketAddress("127.0.0.1", 7700)).run(suite)) {
 *   System.out.println(result.line());
 * }
 * }</pre>
 *
 * <p>From the command line: {@code java -jar protocol/target/meshwork-conformance.jar --node
 * 127.0.0.1:7700 [--cases protocol/conformance/cases.json] [--case NAME]...}; it prints one line per
 * case and exits 1 when any case fails (2 on bad arguments).
 */
public final class ConformanceRunner {
  /** Where the suite is, relative to the repository's root. */
  public static final String DEFAULT_CASES = "protocol/conformance/cases.json";

  private final InetSocketAddress node;

  /** A runner for the node whose client port is {@code node}. */
  public ConformanceRunner(InetSocketAddress node) {
    this.node = requireNonNull(node, "node");
  }

  /**
   * Reads a suite from its proto3 JSON form and checks it: every case has a unique name and at
   * least one step, and every step and frame says what it is.
   */
  public static Suite load(Path file) throws IOException {
    requireNonNull(file, "file");
    Suite.Builder suite = Suite.newBuilder();
    JsonFormat.parser().merge(Files.readString(file, StandardCharsets.UTF_8), suite);
    check(suite.build(), file.toString());
    return suite.build();
  }

  private static void check(Suite suite, String source) {
    Set<String> names = new HashSet<>();
    for (Case c : suite.getCasesList()) {
      if (c.getName().isEmpty() || !names.add(c.getName())) {
        throw new IllegalArgumentException(
            source + ": case name \"" + c.getName() + "\" (expected: non-empty and unique)");
      }
      if (c.getStepsCount() == 0) {
        throw new IllegalArgumentException(
            source + ": case " + c.getName() + " has no steps (expected: at least one)");
      }
    }
    if (suite.getCasesCount() == 0) {
      throw new IllegalArgumentException(source + ": no cases (expected: at least one)");
    }
  }

  /** Runs every case of {@code suite}, in order. */
  public List<CaseResult> run(Suite suite) {
    List<CaseResult> results = new ArrayList<>();
    for (Case c : suite.getCasesList()) {
      results.add(run(c));
    }
    return results;
  }

  /** Runs one case on a new connection; never throws for a failure of the node. */
  public CaseResult run(Case testCase) {
    long start = System.nanoTime();
    String reason = "";
    try {
      new CaseExecution(testCase, node).run();
    } catch (CaseExecution.StepFailed e) {
      reason = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reason = "interrupted";
    } catch (IOException | RuntimeException e) {
      reason = "connection to " + node + ": " + e;
    }
    return new CaseResult(
        testCase.getName(), reason.isEmpty(), reason, Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Command line: {@code --node host:port [--cases file] [--case name]...}. Prints one line per
   * case and a summary {@code conformance: N passed, N failed}; exits 0 when every case passed, 1
   * when any failed, 2 on bad arguments or an unreadable suite.
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String nodeArg = null;
    String casesArg = DEFAULT_CASES;
    Set<String> only = new HashSet<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--node" -> nodeArg = args[++i];
          case "--cases" -> casesArg = args[++i];
          case "--case" -> only.add(args[++i]);
          default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
        }
      }
      if (nodeArg == null) {
        throw new IllegalArgumentException("--node host:port is required");
      }
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      err.println("conformance: " + (e instanceof IllegalArgumentException ? e.getMessage() : "missing value"));
      err.println("usage: --node host:port [--cases " + DEFAULT_CASES + "] [--case NAME]...");
      return 2;
    }
    InetSocketAddress node;
    Suite suite;
    try {
      node = parseNode(nodeArg);
      suite = load(Path.of(casesArg));
    } catch (IOException | IllegalArgumentException e) {
      err.println("conformance: " + e.getMessage());
      return 2;
    }
    ConformanceRunner runner = new ConformanceRunner(node);
    int passed = 0;
    int failed = 0;
    for (Case c : suite.getCasesList()) {
      if (!only.isEmpty() && !only.contains(c.getName())) {
        continue;
      }
      CaseResult result = runner.run(c);
      out.println(result.line());
      if (result.passed()) {
        passed++;
      } else {
        failed++;
      }
    }
    if (passed + failed == 0) {
      err.println("conformance: no case named " + only + " in " + casesArg);
      return 2;
    }
    out.println("conformance: " + passed + " passed, " + failed + " failed");
    return failed == 0 ? 0 : 1;
  }

  static InetSocketAddress parseNode(String text) {
    int colon = text.lastIndexOf(':');
    try {
      if (colon > 0) {
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port > 0 && port < 65536) {
          return new InetSocketAddress(text.substring(0, colon), port);
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--node: \"" + text + "\" (expected: host:port)");
  }
}
