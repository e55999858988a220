package io.meshwork.node.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A node started from the real {@code mesh-node.jar} in its own JVM, configured by MESH_*. */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final String host;
  private final Process process;
  private final Path log;
  public final int port;
  public final int clusterPort;
  public final int managementPort;

  private NodeProcess(
      String name, String host, Process process, Path log, int port, int clusterPort, int managementPort) {
    this.name = name;
    this.host = host;
    this.process = process;
    this.log = log;
    this.port = port;
    this.clusterPort = clusterPort;
    this.managementPort = managementPort;
  }

  /** Starts {@code java -jar mesh-node.jar} with free ports and the given extra MESH_* variables. */
  public static NodeProcess start(String name, Map<String, String> env) {
    return start(name, env, List.of());
  }

  /** As {@link #start(String, Map)}, with extra JVM options (e.g. {@code -Dpekko...=...}). */
  public static NodeProcess start(String name, Map<String, String> env, List<String> jvmOptions) {
    return start(name, env, jvmOptions, List.of(), "127.0.0.1");
  }

  /**
   * As {@link #start(String, Map, List)}, with the command run through {@code commandPrefix} (e.g.
   * {@code ip netns exec NS}) and the node bound to {@code host}.
   */
  public static NodeProcess start(
      String name, Map<String, String> env, List<String> jvmOptions, List<String> commandPrefix, String host) {
    String jar = System.getProperty("meshwork.node.jar", "target/mesh-node.jar");
    if (!new File(jar).isFile()) {
      throw new IllegalStateException("mesh-node.jar not found at " + jar + " (run mvn package first)");
    }
    // Free ports, unless the caller chose them (e.g. management ports that the other nodes must
    // know in advance).
    int port = portOf(env, "MESH_PORT");
    int clusterPort = portOf(env, "MESH_CLUSTER_PORT");
    int managementPort = portOf(env, "MESH_MANAGEMENT_PORT");
    try {
      Path logDir = Files.createDirectories(Path.of("target", "it-logs"));
      Path log = logDir.resolve(name + ".log");
      List<String> command = new ArrayList<>(commandPrefix);
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx256m");
      command.addAll(jvmOptions);
      command.add("-jar");
      command.add(jar);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("MESH_HOST", host);
      // The management API binds loopback unless told otherwise; the tests reach it on host.
      pb.environment().put("MESH_MANAGEMENT_HOST", host);
      pb.environment().put("MESH_PORT", Integer.toString(port));
      pb.environment().put("MESH_CLUSTER_PORT", Integer.toString(clusterPort));
      pb.environment().put("MESH_MANAGEMENT_PORT", Integer.toString(managementPort));
      pb.environment().putAll(env);
      return new NodeProcess(name, host, pb.start(), log, port, clusterPort, managementPort);
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + name, e);
    }
  }

  private static int portOf(Map<String, String> env, String variable) {
    String chosen = env.get(variable);
    return chosen == null ? TestNodes.freePort() : Integer.parseInt(chosen);
  }

  public InetSocketAddress endpoint() {
    return new InetSocketAddress(host, port);
  }

  public String clusterAddress() {
    return host + ":" + clusterPort;
  }

  /** HTTP status of a management route, or -1 when the node does not answer. */
  public int httpStatus(String path) {
    try {
      return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public String httpGet(String path) {
    try {
      return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public void awaitReady(Duration timeout) {
    Poll.until(timeout, name + " ready (log: " + log + ")", () -> {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + "; log: " + logText());
      }
      return httpStatus("/ready") == 200;
    });
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, then waits for the exit code. */
  public int terminate(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL ({@code kill -9}): the node gets no chance to leave or flush anything. */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError(name + " still runs 10 s after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Members this node sees Up, per its management API; -1 when it does not answer. */
  public int upMembers() {
    try {
      return httpGet("/cluster/members").split("\"status\":\"Up\"", -1).length - 1;
    } catch (UncheckedIOException e) {
      return -1;
    }
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://" + host + ":" + managementPort + path))
        .timeout(Duration.ofSeconds(5))
        .GET()
        .build();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
