package io.meshwork.node.routing;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a node picks one instance of a service for a call ({@code meshwork.routing}).
 *
 * <ul>
 *   <li>{@code local-first} (the default): an instance on this node if there is one, else the
 *       reachable remote instances in turn. No network hop when none is needed.
 *   <li>{@code round-robin}: every reachable instance in turn, local or not: even spreading.
 *   <li>{@code least-outstanding}: of two instances drawn at random, the one with fewer calls
 *       from this node still unanswered ("power of two choices"): slow or stuck instances get
 *       less work.
 *   <li>{@code consistent-hash}: the value of a request header picks the instance on a hash ring,
 *       so that every call with the same key goes to the same instance while the membership is
 *       unchanged, and a change moves only the keys of the instances that came or went (sticky
 *       keys). A request without the header gets {@code BAD_REQUEST}.
 * </ul>
 */
public sealed interface RoutingStrategy {
  /** The config name of the strategy. */
  String configName();

  /** Local instances first, then remote ones in turn. */
  record LocalFirst() implements RoutingStrategy {
    @Override
    public String configName() {
      return "local-first";
    }
  }

  /** Every reachable instance in turn. */
  record RoundRobin() implements RoutingStrategy {
    @Override
    public String configName() {
      return "round-robin";
    }
  }

  /** Power of two choices on the calls this node has outstanding per instance. */
  record LeastOutstanding() implements RoutingStrategy {
    @Override
    public String configName() {
      return "least-outstanding";
    }
  }

  /** A hash ring keyed by the value of {@code header}. */
  record ConsistentHash(String header) implements RoutingStrategy {
    public ConsistentHash {
      requireNonNull(header, "header");
    }

    @Override
    public String configName() {
      return "consistent-hash";
    }
  }

  /** The strategies of {@code meshwork.routing}: a default and per-service choices. */
  record Settings(RoutingStrategy defaultStrategy, Map<String, RoutingStrategy> perService) {
    public static final Settings DEFAULT = new Settings(new LocalFirst(), Map.of());

    public Settings {
      perService = Map.copyOf(perService);
    }

    public RoutingStrategy forService(String service) {
      return perService.getOrDefault(service, defaultStrategy);
    }

    /** Reads {@code meshwork.routing} from a resolved node config; readable errors. */
    public static Settings fromConfig(Config config) {
      Config routing = config.getConfig("meshwork.routing");
      RoutingStrategy fallback =
          parse("meshwork.routing.default-strategy", routing.getString("default-strategy"), null);
      Map<String, RoutingStrategy> services = new TreeMap<>();
      Config perService = routing.getConfig("services");
      for (Map.Entry<String, ConfigValue> e : perService.root().entrySet()) {
        String key = "meshwork.routing.services." + e.getKey();
        if (e.getValue().valueType() != ConfigValueType.OBJECT) {
          throw new IllegalArgumentException(
              key + ": " + e.getValue().render() + " (expected: { strategy = ..., hash-header = ... })");
        }
        Config c = perService.getConfig("\"" + e.getKey() + "\"");
        String header = c.hasPath("hash-header") ? c.getString("hash-header") : null;
        services.put(e.getKey(), parse(key + ".strategy", c.getString("strategy"), header));
      }
      return new Settings(fallback, services);
    }

    private static RoutingStrategy parse(String key, String name, String header) {
      switch (name.trim()) {
        case "local-first":
          return new LocalFirst();
        case "round-robin":
          return new RoundRobin();
        case "least-outstanding":
          return new LeastOutstanding();
        case "consistent-hash":
          if (header == null || header.isBlank()) {
            throw new IllegalArgumentException(
                key + ": consistent-hash (expected: with hash-header = \"<request header name>\")");
          }
          return new ConsistentHash(header);
        default:
          throw new IllegalArgumentException(
              key
                  + ": \""
                  + name
                  + "\" (expected: local-first, round-robin, least-outstanding or consistent-hash)");
      }
    }
  }
}
