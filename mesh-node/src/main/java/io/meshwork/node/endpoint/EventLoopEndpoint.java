package io.meshwork.node.endpoint;

import io.meshwork.node.config.EndpointSettings;
import io.meshwork.node.transport.ChannelStage;
import io.meshwork.node.transport.EventLoop;
import io.meshwork.node.transport.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.ActorMaterializerSettings;
import org.apache.pekko.stream.SystemMaterializer;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client endpoint on the node's own event loops (the default transport): a listening socket
 * on one loop, and for every accepted connection a Pekko Streams graph of a {@link ChannelStage}
 * joined to a {@link ConnectionStage}, run on the event-loop dispatcher. The connection's socket
 * IO, its stream stages and (on the same dispatcher) the service actors it calls share one thread,
 * so a request is read, handled and answered with no thread hand-off and no context switch.
 */
public final class EventLoopEndpoint {
  private static final Logger log = LoggerFactory.getLogger(EventLoopEndpoint.class);

  /**
   * Most connections accepted in one go before the loop looks at its other sockets. Starting a
   * connection's stream costs tens of microseconds: a small batch keeps a burst of thousands of
   * connections from holding up the loop's other connections for long.
   */
  private static final int ACCEPT_BATCH = 8;

  /** How long accepting pauses after the accept call failed (e.g. out of file descriptors). */
  private static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);

  private EventLoopEndpoint() {}

  private sealed interface Command permits Unbind {}

  private record Unbind() implements Command {}

  private record Binding(InetSocketAddress localAddress, ActorRef<Command> acceptor, CompletableFuture<Void> unbound)
      implements EndpointBinding {
    @Override
    public CompletionStage<Void> unbind() {
      acceptor.tell(new Unbind());
      return unbound;
    }
  }

  /** Binds the endpoint; the stage completes when it is listening (or fails, e.g. port in use). */
  public static CompletionStage<EndpointBinding> bind(
      ActorSystem<?> system,
      EndpointSettings settings,
      EndpointContext context) {
    CompletableFuture<EndpointBinding> bound = new CompletableFuture<>();
    String dispatcher = settings.eventLoopDispatcher();
    system.systemActorOf(
        acceptor(system, settings, context, bound),
        settings.dedicated() ? "meshwork-endpoint-" + settings.dedicatedService() : "meshwork-endpoint",
        DispatcherSelector.fromConfig(dispatcher));
    return bound;
  }

  private static Behavior<Command> acceptor(
      ActorSystem<?> system,
      EndpointSettings settings,
      EndpointContext context,
      CompletableFuture<EndpointBinding> bound) {
    return Behaviors.setup(
        ctx -> {
          EventLoop loop = EventLoop.current();
          if (loop == null) {
            bound.completeExceptionally(
                new IllegalStateException(
                    settings.eventLoopDispatcher()
                        + " is not an event-loop dispatcher (expected: executor = \""
                        + io.meshwork.node.transport.EventLoopExecutorConfigurator.class.getName()
                        + "\")"));
            return Behaviors.stopped();
          }
          ServerSocketChannel server;
          try {
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(settings.host(), settings.port()), settings.backlog());
            server.configureBlocking(false);
          } catch (IOException | RuntimeException e) {
            bound.completeExceptionally(
                new IOException(
                    "cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e));
            return Behaviors.stopped();
          }
          Acceptor accepting = new Acceptor(system, settings, context, server, loop);
          accepting.key = loop.register(server, SelectionKey.OP_ACCEPT, accepting);
          CompletableFuture<Void> unbound = new CompletableFuture<>();
          bound.complete(
              new Binding((InetSocketAddress) server.getLocalAddress(), ctx.getSelf(), unbound));
          return Behaviors.receive(Command.class)
              .onMessage(Unbind.class, u -> Behaviors.stopped())
              .onSignal(
                  PostStop.class,
                  s -> {
                    try {
                      loop.run(accepting::close);
                    } catch (RuntimeException e) { // the loop has terminated
                      accepting.close();
                    }
                    unbound.complete(null);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Accepts connections on its loop and starts each one's stream on the next loop in turn. */
  private static final class Acceptor implements EventLoop.Handler {
    private final ActorSystem<?> system;
    private final ServerSocketChannel server;
    private final EventLoop loop;
    private final EventLoopGroup group;
    private final Materializer materializer;
    private final int readBufferSize;
    private final Duration linger;
    private final EndpointContext context;
    private final EndpointSettings settings;
    SelectionKey key;

    Acceptor(
        ActorSystem<?> system,
        EndpointSettings settings,
        EndpointContext context,
        ServerSocketChannel server,
        EventLoop loop) {
      this.system = system;
      this.context = context;
      this.settings = settings;
      this.server = server;
      this.loop = loop;
      this.group = loop.group();
      this.materializer = loopMaterializer(system, settings.eventLoopDispatcher());
      this.readBufferSize = settings.readBufferBytes();
      this.linger = settings.closeLinger();
    }

    @Override
    public void onReady(SelectionKey key) {
      for (int i = 0; i < ACCEPT_BATCH; i++) {
        SocketChannel channel;
        try {
          channel = server.accept();
        } catch (IOException e) {
          log.warn(
              "Accepting a client connection failed ({}); pausing accepts for {} ms",
              e.getMessage(),
              ACCEPT_BACKOFF.toMillis());
          pause();
          return;
        }
        if (channel == null) {
          return;
        }
        start(channel);
      }
    }

    private void start(SocketChannel channel) {
      ConnectionAdmission.Permit permit = null;
      try {
        InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
        ConnectionAdmission.Decision decision = context.admission().admit(remote);
        if (decision instanceof ConnectionAdmission.Refusal refusal) {
          refuse(channel, refusal);
          return;
        }
        permit = (ConnectionAdmission.Permit) decision;
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        log.debug("Client connected from {}", remote);
        Flow.fromGraph(new ChannelStage(channel, group.next(), readBufferSize, linger))
            .join(Flow.fromGraph(new ConnectionStage(settings, context, permit)))
            .run(materializer);
      } catch (IOException | RuntimeException e) {
        if (permit != null) {
          permit.release();
        }
        log.warn("Could not start a client connection: {}", e.toString());
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing more to do for this connection
        }
      }
    }

    /** Sends the refusal (a fresh socket's buffer takes it whole), if any, and closes. */
    private static void refuse(SocketChannel channel, ConnectionAdmission.Refusal refusal) {
      try (channel) {
        if (refusal.reply() != null) {
          channel.configureBlocking(false);
          channel.write(refusal.reply().asByteBuffer());
        }
      } catch (IOException e) {
        // the client is gone already
      }
    }

    /**
     * A materializer whose streams run on the event-loop dispatcher. (A dispatcher attribute on
     * the joined graph is not taken by its island; the materializer's own default is.)
     */
    @SuppressWarnings("deprecation")
    private static Materializer loopMaterializer(ActorSystem<?> system, String dispatcher) {
      return SystemMaterializer.get(system)
          .createAdditionalLegacySystemMaterializer(
              "meshwork-endpoint",
              ActorMaterializerSettings.create(Adapter.toClassic(system)).withDispatcher(dispatcher));
    }

    private void pause() {
      key.interestOps(0);
      system
          .scheduler()
          .scheduleOnce(
              ACCEPT_BACKOFF,
              () ->
                  loop.execute(
                      () -> {
                        if (key.isValid()) {
                          key.interestOps(SelectionKey.OP_ACCEPT);
                        }
                      }),
              system.executionContext());
    }

    void close() {
      key.cancel();
      try {
        server.close();
      } catch (IOException e) {
        log.debug("Closing the listening socket failed", e);
      }
    }

    @Override
    public void onLoopClosed() {
      close();
    }
  }
}
