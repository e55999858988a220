package io.meshwork.node.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.meshwork.service.internal.QueueLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a node reads from the {@code meshwork} config subtree, read once. Nothing else in the
 * node calls {@code config.getX} on it.
 *
 * @param seedNodes seed nodes' cluster addresses as {@code host:port}; empty to start a new cluster
 * @param hostedServices the services this node hosts: name to MeshService class name, sorted
 * @param servicesDispatcher dispatcher of the services that do not declare blocking()
 * @param serviceDispatchers per-service dispatchers, by service name: they win over the others
 * @param serviceQueue bounds of the call queue of each blocking service's instance
 */
public record NodeSettings(
    String host,
    int clusterPort,
    int managementPort,
    List<String> seedNodes,
    Map<String, String> hostedServices,
    EndpointSettings endpoint,
    Duration listingSettleTime,
    long arteryMaxFrameBytes,
    String servicesDispatcher,
    Map<String, String> serviceDispatchers,
    QueueLimits serviceQueue) {

  /** Cluster name; every node of a Meshwork cluster uses the same ActorSystem name. */
  public static final String SYSTEM_NAME = "meshwork";

  /**
   * The dispatcher whose threads are the node's event loops: the client endpoint's socket IO and,
   * by default, the service actors run on it.
   */
  public static final String EVENT_LOOP_DISPATCHER = "meshwork.event-loop-dispatcher";

  /**
   * The bulkhead: a thread pool for the services that declare {@code blocking()}, so that their
   * work never holds up the event loops.
   */
  public static final String BLOCKING_DISPATCHER = "meshwork.blocking-dispatcher";

  public NodeSettings {
    requireNonNull(host, "host");
    seedNodes = List.copyOf(seedNodes);
    hostedServices = java.util.Collections.unmodifiableMap(new TreeMap<>(hostedServices));
    requireNonNull(endpoint, "endpoint");
    requireNonNull(listingSettleTime, "listingSettleTime");
    requireNonNull(servicesDispatcher, "servicesDispatcher");
    serviceDispatchers = java.util.Collections.unmodifiableMap(new TreeMap<>(serviceDispatchers));
    requireNonNull(serviceQueue, "serviceQueue");
  }

  /**
   * The dispatcher a service runs on: its entry in {@code meshwork.service-dispatchers} if any;
   * else the bulkhead for a service that declares {@code blocking()}; else {@code
   * meshwork.services-dispatcher}.
   */
  public String dispatcherOf(String service, boolean blocking) {
    String own = serviceDispatchers.get(service);
    if (own != null) {
      return own;
    }
    return blocking ? BLOCKING_DISPATCHER : servicesDispatcher;
  }

  /** Reads and validates the settings from a fully resolved node config. */
  public static NodeSettings fromConfig(Config config) {
    Config m = config.getConfig("meshwork");
    String host = m.getString("host").trim();
    if (host.isEmpty()) {
      throw new IllegalArgumentException("meshwork.host: \"\" (expected: a host name or address)");
    }
    int port = port(m, "port");
    EndpointSettings endpoint = EndpointSettings.fromConfig(host, port, m.getConfig("endpoint"), EVENT_LOOP_DISPATCHER);
    long arteryMaxFrame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    if (endpoint.maxFrameBytes() + 64L * 1024 > arteryMaxFrame) {
      throw new IllegalArgumentException(
          "meshwork.endpoint.max-frame-size: "
              + endpoint.maxFrameBytes()
              + " bytes (expected: <= pekko.remote.artery.advanced.maximum-frame-size "
              + arteryMaxFrame
              + " bytes minus 64 KiB, or forwarded requests would be dropped)");
    }
    Map<String, String> known = knownServices(config);
    for (String service : endpoint.servicePorts().keySet()) {
      if (!known.containsKey(service)) {
        throw new IllegalArgumentException(
            "meshwork.endpoint.service-ports."
                + service
                + ": no such service (expected one of: "
                + String.join(", ", known.keySet())
                + ")");
      }
    }
    Config serviceClasses = m.getConfig("service-classes");
    return new NodeSettings(
        host,
        port(m, "cluster-port"),
        port(m, "management-port"),
        seedNodes(m.getString("seed-nodes")),
        hostedServices(m.getString("services"), serviceClasses, optInServices(m, serviceClasses)),
        endpoint,
        m.getDuration("routing.listing-settle-time"),
        arteryMaxFrame,
        dispatcher(config, "meshwork.services-dispatcher", m.getString("services-dispatcher")),
        serviceDispatchers(config, m.getConfig("service-dispatchers"), serviceClasses),
        serviceQueue(m.getConfig("service-queue")));
  }

  private static QueueLimits serviceQueue(Config q) {
    long maxCalls = q.getLong("max-calls");
    if (maxCalls < 1 || maxCalls > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          QueueLimits.MAX_CALLS_KEY + ": " + maxCalls + " (expected: 1 to " + Integer.MAX_VALUE + ")");
    }
    long maxBytes = q.getBytes("max-bytes");
    if (maxBytes < 1) {
      throw new IllegalArgumentException(
          QueueLimits.MAX_BYTES_KEY + ": " + maxBytes + " (expected: > 0)");
    }
    return new QueueLimits((int) maxCalls, maxBytes);
  }

  /** {@code meshwork.opt-in-services}: services of service-classes hosted only when named. */
  private static List<String> optInServices(Config m, Config serviceClasses) {
    Map<String, String> known = serviceClasses(serviceClasses);
    List<String> optIn = m.getStringList("opt-in-services");
    for (String name : optIn) {
      if (!known.containsKey(name)) {
        throw new IllegalArgumentException(
            "meshwork.opt-in-services: \""
                + name
                + "\" (expected one of: "
                + String.join(", ", known.keySet())
                + ")");
      }
    }
    return optIn;
  }

  /**
   * Reads {@code meshwork.service-dispatchers}: each key a service of {@code service-classes}
   * (hosted here or not: one config serves every node), each value a dispatcher's config path.
   */
  private static Map<String, String> serviceDispatchers(
      Config config, Config serviceDispatchers, Config serviceClasses) {
    Map<String, String> known = serviceClasses(serviceClasses);
    Map<String, String> dispatchers = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : serviceDispatchers.root().entrySet()) {
      String key = "meshwork.service-dispatchers." + e.getKey();
      if (!known.containsKey(e.getKey())) {
        throw new IllegalArgumentException(
            key
                + ": no service \""
                + e.getKey()
                + "\" (expected one of: "
                + String.join(", ", known.keySet())
                + "; quote a name that contains dots)");
      }
      ConfigValue value = e.getValue();
      if (value.valueType() != ConfigValueType.STRING) {
        throw new IllegalArgumentException(
            key
                + ": "
                + value.render()
                + " (expected: the config path of a dispatcher as a string, e.g. \""
                + BLOCKING_DISPATCHER
                + "\")");
      }
      dispatchers.put(e.getKey(), dispatcher(config, key, (String) value.unwrapped()));
    }
    return dispatchers;
  }

  /** Checks that {@code id} is the config path of a dispatcher: an object with a type. */
  private static String dispatcher(Config config, String key, String id) {
    boolean found;
    try {
      found =
          config.hasPath(id)
              && config.getValue(id).valueType() == ConfigValueType.OBJECT
              && config.getConfig(id).hasPath("type");
    } catch (ConfigException.BadPath e) {
      found = false; // not even a path, e.g. "my dispatcher"
    }
    if (!found) {
      throw new IllegalArgumentException(
          key
              + ": \""
              + id
              + "\" (expected: the config path of a dispatcher, e.g. "
              + EVENT_LOOP_DISPATCHER
              + " or "
              + BLOCKING_DISPATCHER
              + ")");
    }
    return id;
  }

  /** Parses "host:port,host:port" and checks each entry. */
  static List<String> seedNodes(String value) {
    List<String> seeds = new ArrayList<>();
    for (String raw : value.split(",")) {
      String seed = raw.trim();
      if (seed.isEmpty()) {
        continue;
      }
      int colon = seed.lastIndexOf(':');
      boolean valid = colon > 0 && colon < seed.length() - 1;
      if (valid) {
        try {
          int p = Integer.parseInt(seed.substring(colon + 1));
          valid = p > 0 && p < 65536;
        } catch (NumberFormatException e) {
          valid = false;
        }
      }
      if (!valid) {
        throw new IllegalArgumentException(
            "meshwork.seed-nodes: \"" + seed + "\" (expected: host:port of a cluster port)");
      }
      seeds.add(seed);
    }
    return seeds;
  }

  /** Every service this node knows, hosted or not: {@code meshwork.service-classes}, sorted. */
  public static Map<String, String> knownServices(Config config) {
    return serviceClasses(config.getConfig("meshwork.service-classes"));
  }

  /**
   * Resolves MESH_SERVICES against the known service classes: "" or "all" is every service but the
   * opt-in ones; "none" is none; else a comma list of names, where "all" stands for that default
   * set (so "all,conformance" adds an opt-in service to it).
   */
  static Map<String, String> hostedServices(
      String selection, Config serviceClasses, List<String> optIn) {
    Map<String, String> known = serviceClasses(serviceClasses);
    Map<String, String> byDefault = new TreeMap<>(known);
    byDefault.keySet().removeAll(optIn);
    String s = selection.trim();
    if (s.isEmpty() || s.equals("all")) {
      return byDefault;
    }
    if (s.equals("none")) {
      return Map.of();
    }
    Map<String, String> chosen = new LinkedHashMap<>();
    for (String raw : s.split(",")) {
      String name = raw.trim();
      if (name.isEmpty()) {
        continue;
      }
      if (name.equals("all")) {
        chosen.putAll(byDefault);
        continue;
      }
      String cls = known.get(name);
      if (cls == null) {
        throw new IllegalArgumentException(
            "meshwork.services: \""
                + name
                + "\" (expected one of: "
                + String.join(", ", known.keySet())
                + ", or all, or none; add your own under meshwork.service-classes)");
      }
      chosen.put(name, cls);
    }
    return chosen;
  }

  /** Every service this node could host: name to class name, sorted. */
  private static Map<String, String> serviceClasses(Config serviceClasses) {
    Map<String, String> known = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : serviceClasses.root().entrySet()) {
      known.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
    }
    return known;
  }

  private static int port(Config m, String key) {
    int p = m.getInt(key);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("meshwork." + key + ": " + p + " (expected: 0-65535)");
    }
    return p;
  }

  @Override
  public String toString() {
    return "NodeSettings{host="
        + host
        + ", port="
        + endpoint.port()
        + ", clusterPort="
        + clusterPort
        + ", managementPort="
        + managementPort
        + ", seedNodes="
        + seedNodes
        + ", services="
        + hostedServices.keySet()
        + "}";
  }
}
