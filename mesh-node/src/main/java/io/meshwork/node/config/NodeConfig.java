package io.meshwork.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/**
 * Builds a node's configuration, highest precedence first:
 *
 * <ol>
 *   <li>system properties ({@code -Dmeshwork.port=7701});
 *   <li>{@code overrides} given by the caller (tests, embedding code);
 *   <li>MESH_* environment variables, when {@code withEnvironment} ({@code meshwork-env.conf});
 *   <li>{@code application.conf};
 *   <li>the node's Pekko settings ({@code meshwork-node.conf});
 *   <li>every library's {@code reference.conf}, Meshwork's own defaults included.
 * </ol>
 *
 * Substitutions are resolved after merging, so {@code MESH_HOST} moves the Artery address too (the
 * management API follows {@code MESH_MANAGEMENT_HOST}, loopback by default). The seed list {@code
 * meshwork.seed-nodes} becomes {@code pekko.cluster.seed-nodes}, {@code meshwork.cluster-tls}
 * becomes Artery's {@code tls-tcp} settings ({@link ClusterTls}), and {@code meshwork.discovery}
 * becomes Cluster Bootstrap's and Pekko Discovery's settings ({@link ClusterDiscovery}).
 */
public final class NodeConfig {
  private NodeConfig() {}

  public static Config load(Config overrides, boolean withEnvironment) {
    ConfigFactory.invalidateCaches();
    Config env =
        withEnvironment ? ConfigFactory.parseResources("meshwork-env.conf") : ConfigFactory.empty();
    Config merged =
        ConfigFactory.defaultOverrides()
            .withFallback(overrides)
            .withFallback(env)
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(ConfigFactory.parseResources("meshwork-node.conf"))
            .withFallback(ConfigFactory.defaultReferenceUnresolved())
            .resolve();
    merged = ClusterTls.apply(merged);
    merged = ClusterDiscovery.apply(merged);
    List<String> seeds = NodeSettings.seedNodes(merged.getString("meshwork.seed-nodes"));
    if (seeds.isEmpty()) {
      return merged;
    }
    List<String> addresses =
        seeds.stream().map(s -> "pekko://" + NodeSettings.SYSTEM_NAME + "@" + s).toList();
    return merged.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
  }
}
