package io.meshwork.node.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a node finds its cluster without a seed list: {@code meshwork.discovery}, read once.
 *
 * @param method none (seed nodes, or a new cluster), config (a fixed list of management
 *     endpoints) or kubernetes-api (the pods that match a label selector)
 * @param serviceName the name the nodes are discovered by
 * @param requiredContactPoints contact points that must be found before a new cluster forms
 * @param endpoints (config) management {@code host:port} of every node
 * @param portName (kubernetes-api) the container port name of the management API
 * @param podLabelSelector (kubernetes-api) the label selector, {@code %s} = the service name
 */
public record DiscoverySettings(
    Method method,
    String serviceName,
    int requiredContactPoints,
    List<String> endpoints,
    String portName,
    String podLabelSelector) {

  static final String PATH = "meshwork.discovery";

  /** A discovery method, by its config name. */
  public enum Method {
    NONE("none"),
    CONFIG("config"),
    KUBERNETES_API("kubernetes-api");

    private final String configName;

    Method(String configName) {
      this.configName = configName;
    }

    /** The name in config and in Pekko Discovery ({@code pekko.discovery.<name>}). */
    public String configName() {
      return configName;
    }

    static Method of(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      for (Method m : values()) {
        if (m.configName.equals(v)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          PATH + ".method: \"" + value + "\" (expected: none, config or kubernetes-api)");
    }
  }

  public DiscoverySettings {
    requireNonNull(method, "method");
    requireNonNull(serviceName, "serviceName");
    endpoints = List.copyOf(endpoints);
    requireNonNull(portName, "portName");
    requireNonNull(podLabelSelector, "podLabelSelector");
  }

  /** True when the node joins through Cluster Bootstrap instead of seed nodes. */
  public boolean bootstrap() {
    return method != Method.NONE;
  }

  /** Reads and checks {@code meshwork.discovery} of a resolved node config. */
  public static DiscoverySettings fromConfig(Config config) {
    Config d = config.getConfig(PATH);
    Method method = Method.of(d.getString("method"));
    String serviceName = d.getString("service-name").trim();
    if (method != Method.NONE && !serviceName.matches("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")) {
      throw new IllegalArgumentException(
          PATH + ".service-name: \"" + serviceName + "\" (expected: letters, digits, '.', '_', '-')");
    }
    int required = d.getInt("required-contact-points");
    if (required < 1) {
      throw new IllegalArgumentException(
          PATH + ".required-contact-points: " + required + " (expected: >= 1)");
    }
    List<String> endpoints = endpoints(d.getString("endpoints"));
    if (method == Method.CONFIG && endpoints.isEmpty()) {
      throw new IllegalArgumentException(
          PATH + ".endpoints: \"\" (expected: with method = config, the management host:port of"
              + " every node, comma-separated)");
    }
    if (method == Method.CONFIG && endpoints.size() < required) {
      throw new IllegalArgumentException(
          PATH + ".required-contact-points: " + required + " (expected: at most the "
              + endpoints.size() + " endpoints, or no cluster ever forms)");
    }
    return new DiscoverySettings(
        method,
        serviceName,
        required,
        endpoints,
        d.getString("port-name").trim(),
        d.getString("pod-label-selector").trim());
  }

  /** Parses "host:port,host:port" and checks each entry. */
  private static List<String> endpoints(String value) {
    List<String> endpoints = new ArrayList<>();
    for (String raw : value.split(",")) {
      String endpoint = raw.trim();
      if (endpoint.isEmpty()) {
        continue;
      }
      int colon = endpoint.lastIndexOf(':');
      boolean valid = colon > 0 && colon < endpoint.length() - 1;
      if (valid) {
        try {
          int p = Integer.parseInt(endpoint.substring(colon + 1));
          valid = p > 0 && p < 65536;
        } catch (NumberFormatException e) {
          valid = false;
        }
      }
      if (!valid) {
        throw new IllegalArgumentException(
            PATH + ".endpoints: \"" + endpoint + "\" (expected: host:port of a management API)");
      }
      endpoints.add(endpoint);
    }
    return endpoints;
  }
}
