package io.meshwork.node;

import io.meshwork.node.auth.ClientAuth;
import io.meshwork.node.config.AuthSettings;
import io.meshwork.node.config.DiscoverySettings;
import io.meshwork.node.config.ManagementSettings;
import io.meshwork.node.config.MetricsSettings;
import io.meshwork.node.config.TracingSettings;
import io.meshwork.node.tracing.NodeTracing;
import io.meshwork.node.metrics.NodeMetrics;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.management.ManagementHttps;
import io.meshwork.node.endpoint.EndpointBinding;
import io.meshwork.node.config.EndpointSettings;
import io.meshwork.node.endpoint.EndpointContext;
import io.meshwork.node.endpoint.EventLoopEndpoint;
import io.meshwork.node.endpoint.RemoteReplies;
import io.meshwork.node.endpoint.TcpEndpoint;
import io.meshwork.node.hosting.ServiceHosting;
import io.meshwork.node.routing.RoutingStrategy;
import io.meshwork.node.tls.TlsContexts;
import io.meshwork.service.ServiceContract;
import io.meshwork.service.ServiceDefinition;
import com.typesafe.config.Config;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Meshwork node: one ActorSystem in the cluster, its client endpoint, its services and
 * its management HTTP API. {@link Main} starts one from the environment; tests and embedding code
 * start several in one JVM with their own config.
 */
public final class MeshNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshNode.class);

  /** The cluster role of the nodes hosting a service: this prefix and the service's name. */
  public static final String SERVICE_ROLE_PREFIX = "meshwork-service-";

  private final ActorSystem<NodeGuardian.Command> system;
  private final NodeSettings settings;
  private final CompletionStage<InetSocketAddress> endpoint;
  private final CompletionStage<Map<String, InetSocketAddress>> serviceEndpoints;

  private MeshNode(
      ActorSystem<NodeGuardian.Command> system,
      NodeSettings settings,
      CompletionStage<InetSocketAddress> endpoint,
      CompletionStage<Map<String, InetSocketAddress>> serviceEndpoints) {
    this.system = system;
    this.settings = settings;
    this.endpoint = endpoint;
    this.serviceEndpoints = serviceEndpoints;
  }

  /**
   * Starts a node from a fully resolved config (see {@link io.meshwork.node.config.NodeConfig}).
   * Settings and service classes are checked before anything starts; binding happens in the
   * background: {@link #endpoint()} completes when the client endpoint listens.
   */
  public static MeshNode start(Config config) {
    NodeSettings settings = NodeSettings.fromConfig(config);
    if (settings.endpoint().tls().enabled()) {
      TlsContexts.create(settings.endpoint().tls()); // unusable key material: refuse to start
    }
    RoutingStrategy.Settings strategies = RoutingStrategy.Settings.fromConfig(config);
    AuthSettings auth = AuthSettings.fromConfig(config);
    ManagementSettings management = ManagementSettings.fromConfig(config);
    MetricsSettings metrics = MetricsSettings.fromConfig(config);
    TracingSettings tracing = TracingSettings.fromConfig(config);
    if (management.https()) {
      ManagementHttps.sslContext(management); // a key store that cannot be used fails start-up
    }
    if (!config.getBoolean("pekko.management.http.route-providers-read-only")
        && !management.allowMutations()) {
      log.warn(
          "pekko.management.http.route-providers-read-only = false is ignored: the mutating"
              + " management routes are switched on by meshwork.management.allow-mutations = on,"
              + " with credentials (see README, Running it safely)");
    }
    // Every known service is loaded, hosted here or not, so that this node can tell any client
    // the contract of any of them (GET /services/{name}).
    Map<String, ServiceDefinition<?>> known = ServiceHosting.load(NodeSettings.knownServices(config));
    Map<String, ServiceDefinition<?>> definitions = new LinkedHashMap<>();
    for (String name : settings.hostedServices().keySet()) {
      definitions.put(name, known.get(name));
    }
    // Every hosted service adds a cluster role, meshwork-service-<name>, so that a service built on
    // Cluster Sharding or singletons can confine them to the nodes that host it (ratelimit does).
    List<String> roles = new ArrayList<>(config.getStringList("pekko.cluster.roles"));
    for (String name : definitions.keySet()) {
      roles.add(SERVICE_ROLE_PREFIX + name);
    }
    Config withRoles =
        config.withValue("pekko.cluster.roles", com.typesafe.config.ConfigValueFactory.fromIterable(roles));
    ActorSystem<NodeGuardian.Command> system =
        ActorSystem.create(
            NodeGuardian.create(settings, definitions), NodeSettings.SYSTEM_NAME, withRoles);
    Map<String, ServiceContract> contracts = new TreeMap<>();
    known.forEach((name, definition) -> contracts.put(name, definition.contract()));
    NodeRuntime.get(system).contracts(contracts);
    NodeRuntime.get(system).routingStrategies(strategies);
    NodeRuntime.get(system).clientAuth(ClientAuth.of(auth));
    NodeRuntime.get(system).managementSettings(management);
    if (metrics.enabled()) {
      // Before the endpoint binds, so that every connection records from its first read.
      NodeMetrics nodeMetrics = new NodeMetrics(Adapter.toClassic(system), NodeRuntime.get(system), metrics);
      NodeRuntime.get(system).metrics(nodeMetrics);
      system.getWhenTerminated().thenRun(nodeMetrics::close);
    }
    if (tracing.enabled()) {
      // Before the endpoint binds, like the metrics; flushed and stopped with the system.
      NodeTracing nodeTracing = NodeTracing.start(tracing, system.address().toString());
      NodeRuntime.get(system).tracing(nodeTracing);
      system.getWhenTerminated().thenRun(nodeTracing::close);
      log.info(
          "Tracing on: spans to {} (OTLP/HTTP), sample ratio {}",
          tracing.endpoint(),
          tracing.sampleRatio());
    }
    if (auth.enabled()) {
      log.info(
          "Client authentication on: {} clients ({}), token in header \"{}\"",
          auth.clients().size(),
          String.join(", ", auth.clients().keySet()),
          auth.header());
    }
    return init(system, settings);
  }

  /** Wires the endpoint and the management API to a freshly created node system. */
  static MeshNode init(ActorSystem<NodeGuardian.Command> system, NodeSettings settings) {
    NodeRuntime runtime = NodeRuntime.get(system);
    RemoteReplies remoteReplies =
        RemoteReplies.start(system, settings.endpoint().eventLoopDispatcher(), "meshwork-remote-replies");
    // Only a node that starts a new cluster by joining itself may be the only one there is to
    // serve: it holds its first connections. A node given seed nodes or a discovery method joins
    // a cluster whose members may well serve already, and refuses until it can serve itself.
    // (Set before the endpoints bind: the first connection already goes by it.)
    runtime.startsAlone(
        settings.seedNodes().isEmpty()
            && !DiscoverySettings.fromConfig(system.settings().config()).bootstrap());
    EndpointContext endpoints = EndpointContext.create(runtime, remoteReplies, settings.endpoint());
    CompletionStage<EndpointBinding> binding = bind(system, settings.endpoint(), endpoints);
    // The services' dedicated ports, if any: the same endpoint, one port per service.
    Map<String, CompletionStage<EndpointBinding>> dedicated = new TreeMap<>();
    for (String service : settings.endpoint().servicePorts().keySet()) {
      dedicated.put(
          service, bind(system, settings.endpoint().forService(service), endpoints));
    }
    CompletableFuture<Map<String, InetSocketAddress>> serviceEndpoints =
        CompletableFuture.completedFuture(new TreeMap<>());
    for (Map.Entry<String, CompletionStage<EndpointBinding>> e : dedicated.entrySet()) {
      serviceEndpoints =
          serviceEndpoints.thenCombine(
              e.getValue(),
              (map, b) -> {
                map.put(e.getKey(), b.localAddress());
                log.info(
                    "Service {} on its dedicated port {}:{}",
                    e.getKey(),
                    b.localAddress().getHostString(),
                    b.localAddress().getPort());
                return map;
              });
    }
    CompletionStage<Map<String, InetSocketAddress>> allDedicated =
        serviceEndpoints.thenApply(Map::copyOf);
    // The node serves (and hosts its services) once every port listens.
    CompletionStage<InetSocketAddress> endpoint =
        binding
            .thenCombine(allDedicated, (b, ports) -> b)
            .thenApply(
                b -> {
                  runtime.endpointAddress(b.localAddress());
                  system.tell(new NodeGuardian.HostServices(b.localAddress()));
                  log.info(
                      "Meshwork node {} serving clients on {}:{}{}",
                      system.address(),
                      b.localAddress().getHostString(),
                      b.localAddress().getPort(),
                      settings.endpoint().tls().enabled()
                          ? " with TLS (client-auth " + settings.endpoint().tls().clientAuth().configName() + ")"
                          : "");
                  return b.localAddress();
                });
    List<CompletionStage<EndpointBinding>> all = new ArrayList<>(dedicated.values());
    all.add(0, binding);
    for (CompletionStage<EndpointBinding> each : all) {
      each.whenComplete(
          (b, failure) -> {
            if (failure != null) {
              log.error("Cannot bind a client endpoint: {}", failure.getMessage());
              system.terminate();
            }
          });
    }
    org.apache.pekko.cluster.Cluster cluster = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system));
    runtime.clusterSize(() -> cluster.state().members().size());
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    // Graceful shutdown, in CoordinatedShutdown's order (then the cluster leave and the stop):
    // 1. the node's services leave the Receptionist, so the other nodes stop routing calls here,
    //    and /ready turns 503; it waits deregister-delay for that to reach them;
    // 2. the endpoints stop accepting connections;
    // 3. every client connection answers what it has read, reads no more and closes, within
    //    drain-timeout.
    Duration deregisterDelay = system.settings().config().getDuration("meshwork.shutdown.deregister-delay");
    Duration drainTimeout = system.settings().config().getDuration("meshwork.shutdown.drain-timeout");
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "meshwork-deregister",
        () -> {
          for (var instance : runtime.localInstances()) {
            system
                .receptionist()
                .tell(
                    org.apache.pekko.actor.typed.receptionist.Receptionist.deregister(
                        io.meshwork.node.routing.ServiceKeys.ALL, instance));
          }
          log.info(
              "Shutting down: services deregistered; waiting {} ms for the other nodes to stop routing here",
              deregisterDelay.toMillis());
          CompletableFuture<Done> waited = new CompletableFuture<>();
          system.scheduler().scheduleOnce(deregisterDelay, () -> waited.complete(Done.getInstance()), system.executionContext());
          return waited;
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "meshwork-drain",
        () -> {
          runtime.drain();
          CompletableFuture<Done> drained = new CompletableFuture<>();
          long until = System.nanoTime() + drainTimeout.toNanos();
          pollDrained(system, runtime, until, drained);
          return drained;
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "meshwork-endpoint-unbind",
        () -> {
          runtime.endpointAddress(null);
          CompletableFuture<?>[] unbinds =
              all.stream()
                  .map(b -> b.thenCompose(EndpointBinding::unbind).toCompletableFuture())
                  .toArray(CompletableFuture[]::new);
          return CompletableFuture.allOf(unbinds).handle((ok, failure) -> Done.getInstance());
        });
    ManagementSettings management = runtime.managementSettings();
    DiscoverySettings discovery = DiscoverySettings.fromConfig(system.settings().config());
    PekkoManagement.get(system)
        .start(s -> ManagementHttps.configure(s, management))
        .whenComplete(
            (uri, failure) -> {
              if (failure != null) {
                log.error(
                    "Cannot start the management API on {}:{}: {}",
                    management.host(),
                    settings.managementPort(),
                    failure.getMessage());
                system.terminate();
              } else {
                log.info(
                    "Management API on {} ({})",
                    uri,
                    management.allowMutations()
                        ? "join, leave and down allowed with credentials"
                        : "read-only");
                if (discovery.bootstrap()) {
                  // Bootstrap probes the other nodes' management APIs, and they probe this one:
                  // it starts once this node's API listens.
                  ClusterBootstrap.get(system).start();
                  log.info(
                      "Cluster Bootstrap started: discovery {}, service \"{}\", {} contact points"
                          + " required for a new cluster",
                      discovery.method().configName(),
                      discovery.serviceName(),
                      discovery.requiredContactPoints());
                }
              }
            });
    return new MeshNode(system, settings, endpoint, allDedicated);
  }

  /** Completes {@code drained} once no client connection is open, or at {@code untilNanos}. */
  private static void pollDrained(
      ActorSystem<?> system, NodeRuntime runtime, long untilNanos, CompletableFuture<Done> drained) {
    int open = runtime.connections().get();
    if (open == 0 || System.nanoTime() - untilNanos > 0) {
      if (open > 0) {
        log.warn("Shutting down with {} client connection(s) still open after the drain timeout", open);
      } else {
        log.info("Shutting down: every client connection drained");
      }
      drained.complete(Done.getInstance());
      return;
    }
    system
        .scheduler()
        .scheduleOnce(
            Duration.ofMillis(20),
            () -> pollDrained(system, runtime, untilNanos, drained),
            system.executionContext());
  }

  private static CompletionStage<EndpointBinding> bind(
      ActorSystem<?> system, EndpointSettings settings, EndpointContext context) {
    if (settings.tls().enabled()) {
      // TLS runs on Pekko Streams' TLS stage, on Pekko IO; the event loops serve plain TCP only.
      return TcpEndpoint.bind(system, settings, context);
    }
    return switch (settings.transport()) {
      case EVENT_LOOP -> EventLoopEndpoint.bind(system, settings, context);
      case PEKKO_IO -> TcpEndpoint.bind(system, settings, context);
    };
  }

  public ActorSystem<NodeGuardian.Command> system() {
    return system;
  }

  public NodeSettings settings() {
    return settings;
  }

  /** Completes with the client endpoint's bound address (useful with port 0). */
  public CompletionStage<InetSocketAddress> endpoint() {
    return endpoint;
  }

  /** Completes with the bound address of each service's dedicated port (none by default). */
  public CompletionStage<Map<String, InetSocketAddress>> serviceEndpoints() {
    return serviceEndpoints;
  }

  /** Completes when the node's ActorSystem has terminated, for whatever reason. */
  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  /**
   * Stops the node gracefully: unbinds the endpoint, leaves the cluster, terminates the system.
   * Waits up to {@code timeout}.
   */
  public void stop(Duration timeout) {
    CompletableFuture<Done> done =
        CoordinatedShutdown.get(system)
            .runAll(CoordinatedShutdown.unknownReason())
            .toCompletableFuture();
    try {
      done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("Node {} did not stop within {}: {}", system.address(), timeout, e.toString());
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
