package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;

/** What a service instance knows about the node that hosts it. */
public final class ServiceContext {
  private final String nodeAddress;
  private final String clientEndpoint;
  private final List<String> hostedServices;
  private final Set<String> roles;
  private final MeshCaller mesh;

  /** A context with no mesh to call into ({@link MeshCaller#NONE}), e.g. for unit tests. */
  public ServiceContext(
      String nodeAddress, String clientEndpoint, List<String> hostedServices, Set<String> roles) {
    this(nodeAddress, clientEndpoint, hostedServices, roles, MeshCaller.NONE);
  }

  public ServiceContext(
      String nodeAddress,
      String clientEndpoint,
      List<String> hostedServices,
      Set<String> roles,
      MeshCaller mesh) {
    this.nodeAddress = requireNonNull(nodeAddress, "nodeAddress");
    this.clientEndpoint = requireNonNull(clientEndpoint, "clientEndpoint");
    this.hostedServices = List.copyOf(requireNonNull(hostedServices, "hostedServices"));
    this.roles = Set.copyOf(requireNonNull(roles, "roles"));
    this.mesh = requireNonNull(mesh, "mesh");
  }

  /** Calls other services by name through the mesh (see {@link MeshCaller}). */
  public MeshCaller mesh() {
    return mesh;
  }

  /** The hosting node's cluster address, {@code pekko://meshwork@host:port}. */
  public String nodeAddress() {
    return nodeAddress;
  }

  /** {@code host:port} of the hosting node's client endpoint. */
  public String clientEndpoint() {
    return clientEndpoint;
  }

  /** Names of every service the hosting node hosts, sorted. */
  public List<String> hostedServices() {
    return hostedServices;
  }

  /** The hosting node's cluster roles. */
  public Set<String> roles() {
    return roles;
  }
}
