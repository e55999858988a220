package io.meshwork.node.endpoint;

import io.meshwork.node.config.EndpointSettings;
import io.meshwork.node.config.TlsSettings;
import io.meshwork.node.tls.TlsContexts;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.io.Inet;
import org.apache.pekko.stream.TLSClosing$;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client endpoint on Pekko's {@code Tcp} extension ({@code meshwork.endpoint.transport =
 * pekko-io}): a Pekko Streams TCP server whose every connection runs a {@link
 * ConnectionStage} (framing, routing, replies). Nothing on this path blocks. With {@code
 * meshwork.endpoint.tls} on, every connection runs Pekko Streams' TLS stage between the socket and
 * the {@code ConnectionStage}; bytes that are not a TLS handshake fail the stage and close the
 * connection.
 */
public final class TcpEndpoint {
  private static final Logger log = LoggerFactory.getLogger(TcpEndpoint.class);

  private TcpEndpoint() {}

  /** Binds the endpoint; the stage completes when it is listening (or fails, e.g. port in use). */
  public static CompletionStage<EndpointBinding> bind(
      ActorSystem<?> system,
      EndpointSettings settings,
      EndpointContext context) {
    List<Inet.SocketOption> options = List.of();
    Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections;
    if (settings.tls().enabled()) {
      TlsSettings tls = settings.tls();
      SSLContext sslContext = TlsContexts.create(tls);
      connections =
          Tcp.get(system)
              .bindWithTls(
                  settings.host(),
                  settings.port(),
                  () -> TlsContexts.serverEngine(sslContext, tls),
                  settings.backlog(),
                  options,
                  Optional.empty(),
                  session -> Optional.empty(), // the engine has verified the client, if asked to
                  // Pekko's default for TLS servers: the client's close_notify does not cut off
                  // the replies still being written to it.
                  TLSClosing$.MODULE$.ignoreComplete());
    } else {
      connections =
          Tcp.get(system)
              .bind(
                  settings.host(),
                  settings.port(),
                  settings.backlog(),
                  options,
                  true, // half-close: a client may finish sending and still read its replies
                  Optional.empty());
    }
    return connections
        .to(
            Sink.foreach(
                incoming -> {
                  log.debug("Client connected from {}", incoming.remoteAddress());
                  ConnectionAdmission.Decision decision =
                      context.admission().admit(incoming.remoteAddress());
                  if (decision instanceof ConnectionAdmission.Refusal refusal) {
                    // One reply saying why (none while starting: closed unread), then closed.
                    Source<ByteString, NotUsed> reply =
                        refusal.reply() == null ? Source.empty() : Source.single(refusal.reply());
                    incoming.handleWith(
                        Flow.fromSinkAndSourceCoupled(
                            refusal.reply() == null ? Sink.cancelled() : Sink.ignore(), reply),
                        system);
                    return;
                  }
                  ConnectionAdmission.Permit permit = (ConnectionAdmission.Permit) decision;
                  try {
                    incoming.handleWith(
                        Flow.fromGraph(new ConnectionStage(settings, context, permit)), system);
                  } catch (RuntimeException e) {
                    permit.release();
                    throw e;
                  }
                }))
        .run(system)
        .thenApply(
            binding ->
                new EndpointBinding() {
                  @Override
                  public java.net.InetSocketAddress localAddress() {
                    return binding.localAddress();
                  }

                  @Override
                  public CompletionStage<Void> unbind() {
                    return binding.unbind().thenApply(done -> null);
                  }
                });
  }
}
