package io.meshwork.node.endpoint;

import io.meshwork.node.NodeRuntime;
import java.util.Objects;

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
  public EndpointContext {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(remoteReplies, "remoteReplies");
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(admission, "admission");
  }
}
