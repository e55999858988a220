package io.meshwork.node.endpoint;

import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.EndpointSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every endpoint of one node shares: the runtime, the reply path for calls sent to other
 * nodes, the bytes all connections hold ({@link NodeMemory}) and who may connect ({@link
 * ConnectionAdmission}). Built once per node, before any endpoint binds.
 */
public record EndpointContext(
    NodeRuntime runtime,
    RemoteReplies remoteReplies,
    NodeMemory memory,
    ConnectionAdmission admission) {
  private static final Logger log = LoggerFactory.getLogger(EndpointContext.class);

  /**
   * Builds what the node's endpoints share: its memory budget for clients and its admission of
   * connections. Call once, before any endpoint binds (and after the runtime has its metrics and
   * client authentication, if any).
   */
  public static EndpointContext create(
      NodeRuntime runtime, RemoteReplies remoteReplies, EndpointSettings endpoint) {
    NodeMemory memory = new NodeMemory(endpoint.budgets().nodeBytes(), runtime.connections());
    ConnectionAdmission admission =
        new ConnectionAdmission(runtime, endpoint, runtime.clientAuth() != null);
    if (runtime.metrics() != null) {
      runtime.metrics().clientMemory(memory::held, memory.budget());
    }
    log.info(
        "Client budgets: {} MiB for the node, {} KiB per connection (meshwork.endpoint.memory; heap"
            + " {} MiB)",
        endpoint.budgets().nodeBytes() >> 20,
        endpoint.budgets().connectionBytes() >> 10,
        Runtime.getRuntime().maxMemory() >> 20);
    if (admission.loopbackOnly() && !isLoopback(endpoint.host())) {
      log.warn(
          "Protected mode: client authentication is off, so clients from addresses other than"
              + " loopback are refused, although the endpoint listens on {}. Turn meshwork.auth on"
              + " (MESH_AUTH), or set meshwork.endpoint.protected-mode = off (MESH_PROTECTED_MODE)"
              + " on a network you trust",
          endpoint.host());
    }
    return new EndpointContext(runtime, remoteReplies, memory, admission);
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  public EndpointContext {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(remoteReplies, "remoteReplies");
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(admission, "admission");
  }
}
