package io.meshwork.node.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.NodeConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The deployment recipes under {@code deploy/}, read for the tests that check them. */
public final class DeployFiles {
  /** The repository's {@code deploy/} directory (tests run in {@code mesh-node/}). */
  public static final Path DEPLOY = Path.of("..", "deploy");

  private DeployFiles() {}

  /** Every YAML document of a file, each a map (SnakeYAML's safe constructor). */
  public static List<Map<String, Object>> yamlDocuments(Path file) {
    List<Map<String, Object>> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
        if (document != null) {
          documents.add(map(document, file + ": document"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code value} as a YAML mapping, or an assertion failure naming {@code what}. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object value, String what) {
    if (!(value instanceof Map)) {
      throw new AssertionError(what + ": " + value + " (expected: a mapping)");
    }
    return (Map<String, Object>) value;
  }

  /** {@code value} as a YAML sequence, or an assertion failure naming {@code what}. */
  @SuppressWarnings("unchecked")
  public static List<Object> list(Object value, String what) {
    if (!(value instanceof List)) {
      throw new AssertionError(what + ": " + value + " (expected: a sequence)");
    }
    return (List<Object>) value;
  }

  /** Follows a path of keys through nested mappings; fails naming the first missing key. */
  public static Object at(Map<String, Object> root, String... keys) {
    Object current = root;
    StringBuilder path = new StringBuilder();
    for (String key : keys) {
      Map<String, Object> m = map(current, path.length() == 0 ? "document" : path.toString());
      path.append(path.length() == 0 ? "" : ".").append(key);
      if (!m.containsKey(key)) {
        throw new AssertionError("missing " + path + " in " + root);
      }
      current = m.get(key);
    }
    return current;
  }

  /** The node's own default config, as a node started with no overrides has it. */
  public static Config nodeDefaults() {
    return NodeConfig.load(ConfigFactory.empty(), false);
  }

  /**
   * The longest a graceful shutdown may take by the node's own config: deregister-delay, then
   * drain-timeout, then the CoordinatedShutdown phases of leaving the cluster at their timeouts.
   * A supervisor's stop timeout (Kubernetes' grace period, systemd's TimeoutStopSec, compose's
   * stop_grace_period) must be longer, or it kills the node while it leaves.
   */
  public static Duration gracefulShutdownBound() {
    Config c = nodeDefaults();
    Duration bound =
        c.getDuration("meshwork.shutdown.deregister-delay")
            .plus(c.getDuration("meshwork.shutdown.drain-timeout"));
    for (String phase :
        List.of("cluster-sharding-shutdown-region", "cluster-leave", "cluster-exiting", "cluster-exiting-done")) {
      bound = bound.plus(phaseTimeout(c, phase));
    }
    return bound;
  }

  public static Duration phaseTimeout(Config c, String phase) {
    String path = "pekko.coordinated-shutdown.phases." + phase + ".timeout";
    return c.hasPath(path)
        ? c.getDuration(path)
        : c.getDuration("pekko.coordinated-shutdown.default-phase-timeout");
  }
}
