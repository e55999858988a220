package io.meshwork.node.endpoint;

import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.EndpointSettings;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.apache.pekko.util.ByteString;

/**
 * {@code meshwork.endpoint.max-connections}: past it, a new client connection gets one {@code
 * OVERLOADED} reply with id 0 and is closed, so the client learns why instead of hanging in the
 * listen backlog.
 */
final class ConnectionLimit {
  private ConnectionLimit() {}

  static ByteString refusal(EndpointSettings settings) {
    return ReplyEncoder.encode(
        0,
        Status.OVERLOADED,
        com.google.protobuf.ByteString.EMPTY,
        "the node has "
            + settings.limits().maxConnections()
            + " client connections open (meshwork.endpoint.max-connections); try another node or"
            + " later",
        false);
  }

  /** True when the node is full: the refusal was sent (as far as it fits) and the channel closed. */
  static boolean refuse(NodeRuntime runtime, EndpointSettings settings, SocketChannel channel) {
    if (runtime.refusesConnections()) {
      // Starting, while other nodes serve: closed unread, so the client's requests (never read)
      // may go to another node.
      try {
        channel.close();
      } catch (IOException e) {
        // nothing more to do
      }
      return true;
    }
    if (runtime.connections().get() < settings.limits().maxConnections()) {
      return false;
    }
    try (channel) {
      channel.configureBlocking(false);
      channel.write(refusal(settings).asByteBuffer()); // a fresh socket's buffer takes it whole
    } catch (IOException e) {
      // the client is gone already
    }
    return true;
  }
}
