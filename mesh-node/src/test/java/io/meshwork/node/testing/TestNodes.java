package io.meshwork.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.MeshNode;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.NodeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Real nodes in this JVM, each its own ActorSystem on free ports, forming one cluster. Stopped in
 * reverse order of starting by {@link #close()}.
 */
public final class TestNodes implements AutoCloseable {
  private final List<MeshNode> nodes = new ArrayList<>();

  /** Starts a node hosting {@code services} ("none", "all", or a list), joining {@code seed}. */
  public MeshNode start(String services, MeshNode seed) {
    return start(services, seed, Map.of());
  }

  public MeshNode start(String services, MeshNode seed, Map<String, Object> extra) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.host", "127.0.0.1");
    conf.put("meshwork.port", 0);
    conf.put("meshwork.cluster-port", 0);
    conf.put("meshwork.management-port", freePort());
    conf.put("meshwork.services", services);
    conf.put("meshwork.routing.listing-settle-time", "1s");
    if (seed != null) {
      conf.put("meshwork.seed-nodes", "127.0.0.1:" + clusterPort(seed));
    }
    conf.putAll(extra);
    Config overrides =
        ConfigFactory.parseMap(conf)
            .withFallback(ConfigFactory.parseResources("test-node.conf"));
    MeshNode node = MeshNode.start(NodeConfig.load(overrides, false));
    nodes.add(node);
    return node;
  }

  public static int clusterPort(MeshNode node) {
    return Cluster.get(node.system()).selfMember().address().getPort().get();
  }

  public static InetSocketAddress endpoint(MeshNode node) {
    try {
      return node.endpoint().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("endpoint of " + node.system().address() + " did not bind", e);
    }
  }

  public static int managementPort(MeshNode node) {
    return node.settings().managementPort();
  }

  /**
   * Waits until every given node sees all of them Up and serves its own services. Joining is
   * quick on a quiet machine (a second or two) but retries on Pekko's timers (InitJoin every
   * second, a new Join after 10 s), so a loaded machine gets 45 s; a failure names what each node
   * saw.
   */
  public static void awaitUp(MeshNode... members) {
    TestProbe<Object> probe = TestProbe.create(members[0].system());
    probe.awaitAssert(
        Duration.ofSeconds(45),
        Duration.ofMillis(200),
        () -> {
          for (MeshNode n : members) {
            Cluster c = Cluster.get(n.system());
            assertThat(c.selfMember().status()).as(view(members)).isEqualTo(MemberStatus.up());
            assertThat(NodeRuntime.get(n.system()).servesClients())
                .as("serves clients: " + view(members))
                .isTrue();
            long up = 0;
            for (var m : c.state().getMembers()) {
              if (m.status() == MemberStatus.up()) {
                up++;
              }
            }
            assertThat(up).as(view(members)).isEqualTo(members.length);
          }
          return null;
        });
  }

  /** What each node sees: its members with their status, and whom it finds unreachable. */
  private static String view(MeshNode... members) {
    StringBuilder out = new StringBuilder();
    for (MeshNode n : members) {
      Cluster c = Cluster.get(n.system());
      out.append("\n  ").append(c.selfMember().address()).append(" sees");
      for (var m : c.state().getMembers()) {
        out.append(' ').append(m.address().getPort().orElse(0)).append('=').append(m.status());
      }
      if (!c.state().getUnreachable().isEmpty()) {
        out.append(" unreachable:");
        for (var m : c.state().getUnreachable()) {
          out.append(' ').append(m.address().getPort().orElse(0));
        }
      }
    }
    return out.toString();
  }

  /** Stops one node (gracefully) before the others. */
  public void stop(MeshNode node) {
    node.stop(Duration.ofSeconds(30));
    nodes.remove(node);
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).stop(Duration.ofSeconds(30));
    }
    nodes.clear();
  }

  /**
   * A port free now, below Linux's ephemeral range (32768 and up): a port the OS hands out for
   * port 0 (e.g. a node's cluster port) was once chosen here too, and the node's management API
   * then failed to bind (seen in CI). Below that range, only ports chosen by this method compete,
   * and they are drawn at random.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException e) {
        // taken: draw again
      }
    }
    throw new UncheckedIOException(new IOException("no free port in 20000-31999 after 1000 draws"));
  }
}
