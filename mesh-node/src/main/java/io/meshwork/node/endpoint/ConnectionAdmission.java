package io.meshwork.node.endpoint;

import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.EndpointSettings;
import io.meshwork.protocol.v1.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.util.ByteString;

/**
 * Whether the node takes a new client connection, decided when it is accepted, before any of its
 * bytes is read, for every endpoint of the node:
 *
 * <ol>
 *   <li>a node still starting while others serve closes it unread (see {@link
 *       NodeRuntime#refusesConnections});
 *   <li>protected mode: with client authentication off, only loopback clients are served;
 *   <li>{@code max-connections} for the node, {@code max-connections-per-address} per source IP.
 * </ol>
 *
 * A refused connection gets one reply with id 0 saying why (except while starting), then is
 * closed. A taken one holds a {@link Permit} until it closes.
 */
public final class ConnectionAdmission {
  private final NodeRuntime runtime;
  private final int maxConnections;
  private final int maxPerAddress;
  private final boolean protectedMode;
  /** Connections open per source address; an address with none has no entry. */
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  /** @param authenticates true when client authentication is on (protected mode then is moot) */
  public ConnectionAdmission(NodeRuntime runtime, EndpointSettings settings, boolean authenticates) {
    this.runtime = runtime;
    this.maxConnections = settings.limits().maxConnections();
    this.maxPerAddress = settings.budgets().maxConnectionsPerAddress();
    this.protectedMode = settings.budgets().protectedMode() && !authenticates;
  }

  /** True when only loopback clients are served (protected mode is on and authentication off). */
  public boolean loopbackOnly() {
    return protectedMode;
  }

  /** The outcome for one connection: a permit, or the refusal to send (null: close unread). */
  public sealed interface Decision permits Permit, Refusal {}

  /** Why a connection is not taken; {@code reply} is null when it is closed unread. */
  public record Refusal(ByteString reply) implements Decision {}

  /** Decides on a connection from {@code remote} (null when unknown: treated as not loopback). */
  public Decision admit(InetSocketAddress remote) {
    if (runtime.refusesConnections()) {
      return new Refusal(null); // starting, while other nodes serve: closed unread
    }
    InetAddress address = remote == null ? null : remote.getAddress();
    if (protectedMode && (address == null || !address.isLoopbackAddress())) {
      return new Refusal(PROTECTED);
    }
    if (runtime.connections().incrementAndGet() > maxConnections) {
      runtime.connections().decrementAndGet();
      return new Refusal(
          refusal(
              Status.OVERLOADED,
              "the node has "
                  + maxConnections
                  + " client connections open (meshwork.endpoint.max-connections); try another"
                  + " node or later"));
    }
    if (address == null) {
      return new Permit(null);
    }
    if (perAddress.merge(address, 1, Integer::sum) > maxPerAddress) {
      release(address);
      runtime.connections().decrementAndGet();
      return new Refusal(
          refusal(
              Status.OVERLOADED,
              "the node has "
                  + maxPerAddress
                  + " client connections open from "
                  + address.getHostAddress()
                  + " (meshwork.endpoint.max-connections-per-address); close some or try later"));
    }
    return new Permit(address);
  }

  /** Connections open from {@code address} now (for tests and diagnostics). */
  public int connectionsFrom(InetAddress address) {
    return perAddress.getOrDefault(address, 0);
  }

  private void release(InetAddress address) {
    perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
  }

  private static final ByteString PROTECTED =
      refusal(
          Status.PERMISSION_DENIED,
          "protected mode: this node has client authentication off (meshwork.auth.enabled), so it"
              + " serves clients on loopback addresses only. Turn authentication on, or set"
              + " meshwork.endpoint.protected-mode = off (MESH_PROTECTED_MODE=off) to serve"
              + " unauthenticated clients from any address");

  private static ByteString refusal(Status status, String message) {
    return ReplyEncoder.encode(0, status, com.google.protobuf.ByteString.EMPTY, message, false);
  }

  /** A taken connection's place; {@link #release} it once, when the connection closes. */
  public final class Permit implements Decision {
    private final InetAddress address;
    private boolean released;

    private Permit(InetAddress address) {
      this.address = address;
    }

    /** Gives back the connection's place (idempotent; called by the connection's own thread). */
    public void release() {
      if (released) {
        return;
      }
      released = true;
      runtime.connections().decrementAndGet();
      if (address != null) {
        ConnectionAdmission.this.release(address);
      }
    }
  }
}
