package io.meshwork.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.NodeConfig;
import java.util.Arrays;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar mesh-node.jar}: starts one node configured by MESH_* environment variables,
 * system properties and application.conf. SIGTERM stops it gracefully (CoordinatedShutdown); the
 * JVM exits when the node's system terminates for any reason, e.g. when it is downed.
 *
 * <p>{@code --exit-when-up} starts the node, waits until it is a cluster member that serves clients,
 * then stops it: a training run for a class-data-sharing archive ({@code mesh-node/bin/mesh-node}
 * makes one with {@code -XX:ArchiveClassesAtExit}), which cuts start-up time by about a third.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    boolean exitWhenUp = Arrays.asList(args).contains("--exit-when-up");
    // Libraries that log through java.util.logging (the OpenTelemetry SDK) log through logback
    // too, in MESH_LOG_FORMAT; logback's LevelChangePropagator keeps disabled levels cheap.
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
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
    if (exitWhenUp) {
      Cluster.get(Adapter.toClassic(node.system()))
          .registerOnMemberUp(
              () ->
                  node.endpoint()
                      .thenRun(
                          () -> {
                            log.info("Up and serving: stopping (--exit-when-up)");
                            CoordinatedShutdown.get(node.system())
                                .runAll(CoordinatedShutdown.unknownReason());
                          }));
    }
  }
}
