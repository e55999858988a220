package io.meshwork.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps {@code meshwork.discovery} onto Pekko Management's Cluster Bootstrap and Pekko Discovery:
 * the discovery method, the service name, the contact points a new cluster waits for, and the
 * method's own settings ({@code pekko.discovery.config.services.<name>.endpoints}, or the
 * Kubernetes API's label selector and the management port's name). The node starts {@code
 * ClusterBootstrap} after its management API when the method is not {@code none}.
 */
final class ClusterDiscovery {
  private static final String BOOTSTRAP = "pekko.management.cluster.bootstrap.";

  private ClusterDiscovery() {}

  /** {@code merged} with the bootstrap settings when discovery is on; unchanged otherwise. */
  static Config apply(Config merged) {
    DiscoverySettings d = DiscoverySettings.fromConfig(merged);
    if (!d.bootstrap()) {
      return merged;
    }
    if (!merged.getString("meshwork.seed-nodes").isBlank()) {
      throw new IllegalArgumentException(
          DiscoverySettings.PATH
              + ".method: "
              + d.method().configName()
              + " with meshwork.seed-nodes \""
              + merged.getString("meshwork.seed-nodes")
              + "\" (expected: one of them: bootstrap finds the seed nodes itself)");
    }
    Map<String, Object> pekko = new HashMap<>();
    String discovery = BOOTSTRAP + "contact-point-discovery.";
    pekko.put(discovery + "discovery-method", d.method().configName());
    pekko.put(discovery + "service-name", d.serviceName());
    pekko.put(discovery + "required-contact-point-nr", d.requiredContactPoints());
    // The contact point route the other nodes probe (off in meshwork-node.conf otherwise).
    pekko.put(
        "pekko.management.http.routes.cluster-bootstrap",
        "org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$");
    switch (d.method()) {
      case CONFIG -> {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (String e : d.endpoints()) {
          int colon = e.lastIndexOf(':');
          endpoints.add(
              Map.of("host", e.substring(0, colon), "port", Integer.parseInt(e.substring(colon + 1))));
        }
        // Quoted: a service name may contain dots.
        pekko.put(
            "pekko.discovery.config.services.\"" + d.serviceName() + "\".endpoints", endpoints);
        // The endpoints carry their ports, which differ when several nodes share a host: probe
        // them all, not only those on this node's own management port.
        pekko.put(BOOTSTRAP + "contact-point.filter-on-fallback-port", false);
      }
      case KUBERNETES_API -> {
        pekko.put("pekko.discovery.kubernetes-api.pod-label-selector", d.podLabelSelector());
        if (!d.portName().isEmpty()) {
          pekko.put(discovery + "port-name", d.portName());
        }
      }
      case NONE -> throw new AssertionError("unreachable");
    }
    Config mapped = ConfigFactory.empty();
    for (Map.Entry<String, Object> e : pekko.entrySet()) {
      mapped = mapped.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return mapped.withFallback(merged);
  }
}
