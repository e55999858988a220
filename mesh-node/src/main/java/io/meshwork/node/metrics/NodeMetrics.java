package io.meshwork.node.metrics;

import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.MetricsSettings;
import io.meshwork.service.ServiceContract;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;

/**
 * The node's metrics, in a Prometheus registry of its own (several nodes may share a JVM), served
 * as text by {@code GET /metrics} on the management port ({@code MetricsRoutes}).
 *
 * <p>Label cardinality is bounded whatever clients send: a {@code service} label is only given to
 * a service in the routing table or in this node's {@code meshwork.service-classes}, every other
 * name counts as {@code _unknown}; a {@code method} label only to a method of the service's
 * published contract, or (for a service that takes any method, or whose contract this node does
 * not know) to its first {@code max-methods-per-service} methods; every other method counts as
 * {@code _other}.
 */
public final class NodeMetrics implements AutoCloseable {
  static final String REQUESTS = "meshwork.requests";
  static final String REQUEST_DURATION = "meshwork.request.duration";
  /** The label of every service name that is not a service. */
  public static final String UNKNOWN_SERVICE = "_unknown";
  /** The label of every method beyond a service's known (or first few) methods. */
  public static final String OTHER_METHOD = "_other";

  private static final List<String> MEMBER_STATUSES =
      List.of(
          "Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed",
          "PreparingForShutdown", "ReadyForShutdown");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final NodeRuntime runtime;
  private final int maxMethods;
  private final ConcurrentHashMap<String, ServiceMeters> services = new ConcurrentHashMap<>();
  private final ServiceMeters unknown;
  private final LongAdder bytesReceived = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder forwarded = new LongAdder();
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public NodeMetrics(org.apache.pekko.actor.ActorSystem system, NodeRuntime runtime, MetricsSettings settings) {
    this.runtime = runtime;
    this.maxMethods = settings.maxMethodsPerService();
    Gauge.builder("meshwork.requests.in.flight", runtime.inFlight(), LongAdder::sum)
        .description("Requests from this node's clients in flight")
        .register(registry);
    Gauge.builder("meshwork.connections.open", runtime.connections(), Number::doubleValue)
        .description("Client connections open on this node, all endpoints together")
        .register(registry);
    FunctionCounter.builder("meshwork.bytes.received", bytesReceived, LongAdder::sum)
        .description("Bytes read from client connections")
        .register(registry);
    FunctionCounter.builder("meshwork.bytes.sent", bytesSent, LongAdder::sum)
        .description("Bytes written to client connections")
        .register(registry);
    FunctionCounter.builder("meshwork.forwarded.calls", forwarded, LongAdder::sum)
        .description("Client calls this node sent to a service instance on another node")
        .register(registry);
    Cluster cluster = Cluster.get(system);
    for (String status : MEMBER_STATUSES) {
      Gauge.builder("meshwork.cluster.members", cluster, c -> countMembers(c, status))
          .description("Cluster members as this node sees them, by status")
          .tag("status", status)
          .register(registry);
    }
    for (MeterBinder binder :
        List.<MeterBinder>of(
            new JvmMemoryMetrics(),
            gc,
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new JvmInfoMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics(),
            new FileDescriptorMetrics())) {
      binder.bindTo(registry);
    }
    this.unknown = new ServiceMeters(UNKNOWN_SERVICE);
  }

  /** The bytes client connections hold ({@code held}) and the node's budget for them. */
  public void clientMemory(java.util.function.LongSupplier held, long budget) {
    // A supplier gauge holds its function strongly (a state object would be held weakly).
    Gauge.builder("meshwork.client.memory.held", () -> held.getAsLong())
        .description("Bytes held for client connections: requests in flight, partial frames, replies")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("meshwork.client.memory.budget", () -> budget)
        .description("The node's budget for bytes held for clients (meshwork.endpoint.memory)")
        .baseUnit("bytes")
        .register(registry);
  }

  private static double countMembers(Cluster cluster, String status) {
    int n = 0;
    for (Member member : cluster.state().getMembers()) {
      if (member.status().toString().equals(status)) {
        n++;
      }
    }
    return n;
  }

  /**
   * The meters of a request to {@code service} and {@code method}; {@code routed}: the routing
   * table lists the service. Looks up by name: callers keep the result for the next call.
   */
  public MethodMeters meters(String service, String method, boolean routed) {
    ServiceMeters meters = services.get(service);
    if (meters == null) {
      if (!routed && !runtime.contracts().containsKey(service)) {
        return unknown.method(OTHER_METHOD);
      }
      meters = services.computeIfAbsent(service, ServiceMeters::new);
    }
    return meters.method(method);
  }

  /** The meters of a request that names no service this node can tell (or no valid request). */
  public MethodMeters unknown() {
    return unknown.method(OTHER_METHOD);
  }

  /** Counts bytes read from a client connection (once per read). */
  public void received(int bytes) {
    bytesReceived.add(bytes);
  }

  /** Counts bytes written to a client connection (once per write). */
  public void sent(int bytes) {
    bytesSent.add(bytes);
  }

  /** Counts a client call sent to another node. */
  public void forwarded() {
    forwarded.increment();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /** The meters of one service label. */
  private final class ServiceMeters {
    private final String service;
    private final LongAdder inFlight = new LongAdder();
    private final ConcurrentHashMap<String, MethodMeters> methods = new ConcurrentHashMap<>();

    ServiceMeters(String service) {
      this.service = service;
      Gauge.builder("meshwork.service.requests.in.flight", inFlight, LongAdder::sum)
          .description("Requests from this node's clients in flight, by service")
          .tag("service", service)
          .register(registry);
    }

    MethodMeters method(String method) {
      MethodMeters meters = methods.get(method);
      if (meters != null) {
        return meters;
      }
      return methods.computeIfAbsent(label(method), m -> new MethodMeters(registry, service, m, inFlight));
    }

    /** The method's label: itself when the contract has it (or while under the cap), else _other. */
    private String label(String method) {
      if (service.equals(UNKNOWN_SERVICE)) {
        return OTHER_METHOD;
      }
      ServiceContract contract = runtime.contracts().get(service);
      if (contract != null && !contract.anyMethod()) {
        for (ServiceContract.Method m : contract.methods()) {
          if (m.name().equals(method)) {
            return method;
          }
        }
        return OTHER_METHOD;
      }
      // Approximate under a race, by a few: the bound is what matters, not its exact value.
      return methods.size() < maxMethods ? method : OTHER_METHOD;
    }
  }
}
