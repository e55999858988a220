package io.meshwork.node.endpoint;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/** A bound client endpoint, whichever transport serves it. */
public interface EndpointBinding {
  InetSocketAddress localAddress();

  /**
   * Stops accepting connections; the connections already open go on until they close. Completes
   * when the listening socket is closed.
   */
  CompletionStage<Void> unbind();
}
