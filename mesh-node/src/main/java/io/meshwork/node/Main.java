package io.meshwork.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar mesh-node.jar}: starts one node configured by MESH_* environment variables,
 * system properties and application.conf. SIGTERM stops it gracefully (CoordinatedShutdown); the
 * JVM exits when the node's system terminates for any reason, e.g. when it is downed.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    MeshNode node;
    try {
      Config overrides = ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = on");
      node = MeshNode.start(NodeConfig.load(overrides, true));
    } catch (RuntimeException e) {
      log.error("Meshwork node failed to start: {}", e.getMessage());
      System.exit(1);
      return;
    }
    node.whenTerminated()
        .thenRun(
            () -> {
              // Reached when the system stops without CoordinatedShutdown exiting the JVM
              // (e.g. the endpoint could not bind).
              System.exit(node.endpoint().toCompletableFuture().isCompletedExceptionally() ? 1 : 0);
            });
  }
}
