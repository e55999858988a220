package io.meshwork.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts for multi-host tests on one machine: network namespaces ({@code ip netns}), each with a
 * veth pair to a bridge in the test's own namespace, so that every host reaches the others and the
 * test reaches all of them. {@link #cut} partitions a host from the others (blackhole routes both
 * ways, the test still reaches it); {@link #heal} undoes it. Needs root; {@link #unavailableReason}
 * says why not when it cannot run.
 */
public final class Netns implements AutoCloseable {
  private final String tag;
  private final String subnet;
  private final int hosts;
  private final List<String> namespaces = new ArrayList<>();

  private Netns(int hosts) {
    this.tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    this.subnet = "10.77." + ThreadLocalRandom.current().nextInt(1, 250) + ".";
    this.hosts = hosts;
  }

  /** Null when namespaces can be made here, else why not (for a skip message). */
  public static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "network namespaces need root (user is " + System.getProperty("user.name") + ")";
    }
    try {
      Result r = run(List.of("ip", "netns", "list"));
      return r.code == 0 ? null : "`ip netns list` failed: " + r.output;
    } catch (UncheckedIOException e) {
      return "no `ip` command: " + e.getMessage();
    }
  }

  /** Makes {@code hosts} namespaces, host i (1-based) at {@link #address(int)}. */
  public static Netns create(int hosts) {
    Netns n = new Netns(hosts);
    try {
      n.setUp();
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private String bridge() {
    return "mwbr" + tag;
  }

  private String veth(int host) {
    return "mwv" + tag + host;
  }

  public String namespace(int host) {
    return "mw-" + tag + "-" + host;
  }

  /** Host {@code host}'s address, e.g. 10.77.5.2. */
  public String address(int host) {
    return subnet + host;
  }

  /** The address of the test's own side of the bridge (not loopback), e.g. 10.77.5.254. */
  public String bridgeAddress() {
    return subnet + "254";
  }

  /** The prefix that runs a command inside host {@code host}. */
  public List<String> exec(int host) {
    return List.of("ip", "netns", "exec", namespace(host));
  }

  private void setUp() {
    must("ip", "link", "add", bridge(), "type", "bridge");
    must("ip", "addr", "add", subnet + "254/24", "dev", bridge());
    must("ip", "link", "set", bridge(), "up");
    for (int i = 1; i <= hosts; i++) {
      must("ip", "netns", "add", namespace(i));
      namespaces.add(namespace(i));
      must("ip", "link", "add", veth(i), "type", "veth", "peer", "name", "eth0", "netns", namespace(i));
      must("ip", "link", "set", veth(i), "master", bridge(), "up");
      must("ip", "netns", "exec", namespace(i), "ip", "addr", "add", address(i) + "/24", "dev", "eth0");
      must("ip", "netns", "exec", namespace(i), "ip", "link", "set", "eth0", "up");
      must("ip", "netns", "exec", namespace(i), "ip", "link", "set", "lo", "up");
    }
  }

  /** Partitions {@code host} from every other host (not from the test). */
  public void cut(int host) {
    for (int other = 1; other <= hosts; other++) {
      if (other != host) {
        must("ip", "netns", "exec", namespace(host), "ip", "route", "add", "blackhole", address(other) + "/32");
        must("ip", "netns", "exec", namespace(other), "ip", "route", "add", "blackhole", address(host) + "/32");
      }
    }
  }

  /** Undoes {@link #cut}. */
  public void heal(int host) {
    for (int other = 1; other <= hosts; other++) {
      if (other != host) {
        must("ip", "netns", "exec", namespace(host), "ip", "route", "del", "blackhole", address(other) + "/32");
        must("ip", "netns", "exec", namespace(other), "ip", "route", "del", "blackhole", address(host) + "/32");
      }
    }
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      run(List.of("ip", "netns", "del", ns)); // also removes its veth pair
    }
    run(List.of("ip", "link", "del", bridge()));
  }

  private static void must(String... command) {
    Result r = run(List.of(command));
    if (r.code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + r.code + "): " + r.output);
    }
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
