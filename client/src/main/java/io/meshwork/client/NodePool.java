package io.meshwork.client;

import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections of a {@link MeshClient}: one per node, each replaced in the background with
 * exponential backoff when it is lost. Calls go to the connected nodes in turn.
 */
final class NodePool {
  private static final System.Logger LOG = System.getLogger(MeshClient.class.getName());
  private static final long STABLE_CONNECTION_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** One node: its connection while there is one, else why not. */
  final class Slot {
    final InetSocketAddress address;
    final String peer;
    volatile Connection connection;
    /** The last failure to connect; null after a success. */
    private volatile String connectFailure;
    private volatile Throwable connectCause;
    /** When the next attempt is due, for messages; empty when none is planned. */
    private volatile String retry = "";
    private Duration backoff; // guarded by NodePool.this

    Slot(InetSocketAddress address) {
      this.address = address;
      this.peer = Connection.hostAndPort(address);
    }

    boolean isUp() {
      Connection c = connection;
      return c != null && c.isOpen();
    }

    /** Connects now; on failure records why and, when reconnecting is on, tries again later. */
    void connect() {
      if (closed) {
        return;
      }
      try {
        Connection c = Connection.open(address, options);
        long opened = System.nanoTime();
        synchronized (NodePool.this) {
          if (closed) {
            c.close();
            return;
          }
          connection = c;
          connectFailure = null;
          retry = "";
        }
        LOG.log(System.Logger.Level.DEBUG, "connected to {0}", peer);
        // At once when the node has closed it already (a node still starting does that).
        c.onLost(reason -> lost(c, reason, System.nanoTime() - opened));
      } catch (ConnectException e) {
        connectFailure = e.getMessage();
        connectCause = e.getCause();
        connection = null;
        retryLater();
      }
    }

    /** Why this node takes no calls now; "" when it does. */
    String reason() {
      if (closed) {
        return "the client is closed";
      }
      Connection c = connection;
      if (c != null) {
        String lost = c.closeReason();
        return lost == null ? "" : "connection to " + peer + " closed: " + lost + retry;
      }
      return (connectFailure != null ? connectFailure : "not connected yet") + retry;
    }

    private void lost(Connection c, String reason, long livedNanos) {
      LOG.log(System.Logger.Level.DEBUG, "connection to {0} closed: {1}", peer, reason);
      if (livedNanos >= STABLE_CONNECTION_NANOS) {
        synchronized (NodePool.this) {
          backoff = null; // it served a while: the next attempt comes soon
        }
      }
      // A connection closed right after it opened (a node still starting, or refusing) counts as
      // a failed attempt: the backoff keeps growing.
      retryLater();
    }

    private void retryLater() {
      if (!options.reconnect()) {
        return;
      }
      Duration wait;
      synchronized (NodePool.this) {
        if (closed) {
          return;
        }
        backoff =
            backoff == null
                ? options.reconnectMinBackoff()
                : min(backoff.multipliedBy(2), options.reconnectMaxBackoff());
        wait = backoff;
        double jitter = 1 - ThreadLocalRandom.current().nextDouble(0.2);
        reconnector()
            .schedule(this::connect, (long) (wait.toNanos() * jitter), TimeUnit.NANOSECONDS);
      }
      retry = "; reconnecting within " + DeadlineText.format(wait);
    }
  }

  private final MeshClientOptions options;
  private final List<Slot> slots;
  private final AtomicInteger next = new AtomicInteger();
  private ScheduledThreadPoolExecutor reconnector; // guarded by this; made on first need
  private volatile boolean closed;

  private NodePool(List<InetSocketAddress> nodes, MeshClientOptions options) {
    this.options = options;
    List<Slot> list = new ArrayList<>();
    for (InetSocketAddress node : nodes) {
      list.add(new Slot(node));
    }
    this.slots = List.copyOf(list);
  }

  /**
   * Connects to every node, one after the other. Succeeds when at least one connects; the others
   * are retried in the background (when reconnecting is on).
   */
  static NodePool open(List<InetSocketAddress> nodes, MeshClientOptions options)
      throws ConnectException {
    NodePool pool = new NodePool(nodes, options);
    for (Slot slot : pool.slots) {
      slot.connect();
    }
    if (pool.slots.stream().noneMatch(Slot::isUp)) {
      List<String> reasons = new ArrayList<>();
      for (Slot slot : pool.slots) {
        // A connection can also be lost right after it opened (e.g. a TLS 1.3 node refusing the
        // client's certificate once the client's side of the handshake is done).
        reasons.add(slot.connectFailure != null ? slot.connectFailure : slot.reason());
      }
      pool.close();
      ConnectException failure = new ConnectException(String.join("; ", reasons));
      // The first node's underlying exception, e.g. an SSLHandshakeException, for callers to test.
      pool.slots.stream()
          .map(slot -> slot.connectCause)
          .filter(java.util.Objects::nonNull)
          .findFirst()
          .ifPresent(failure::initCause);
      throw failure;
    }
    return pool;
  }

  List<Slot> slots() {
    return slots;
  }

  /** Sends on the next connected node, or answers UNAVAILABLE at once when none is. */
  CompletableFuture<Reply> send(Request.Builder request, Duration deadline) {
    return send(request, deadline, null);
  }

  private CompletableFuture<Reply> send(Request.Builder request, Duration deadline, Connection avoid) {
    int n = slots.size();
    int start = n == 1 ? 0 : Math.floorMod(next.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      Connection c = slots.get((start + i) % n).connection;
      if (c != null && c.isOpen() && c != avoid) {
        if (!options.resendOnConnectionLoss() || avoid != null) {
          return c.send(request, deadline);
        }
        long sent = System.nanoTime();
        return c.send(request, deadline)
            .thenCompose(
                reply -> {
                  Duration left = deadline.minusNanos(System.nanoTime() - sent);
                  if (reply.getStatusValue() != Status.UNAVAILABLE_VALUE
                      || c.isOpen()
                      || !reply.getError().startsWith("connection to " + c.peer() + " closed: ")
                      || left.toMillis() < 1) {
                    return CompletableFuture.completedFuture(reply);
                  }
                  // Its connection closed before the reply: once more, on another node.
                  return send(request, left, c);
                });
      }
    }
    return CompletableFuture.completedFuture(
        Reply.newBuilder().setStatus(Status.UNAVAILABLE).setError(unavailable()).build());
  }

  /** Why no call can be sent now, naming every node. */
  String unavailable() {
    if (closed) {
      return "the client is closed";
    }
    List<String> reasons = new ArrayList<>();
    for (Slot slot : slots) {
      reasons.add(slot.reason());
    }
    return "no node connected: " + String.join("; ", reasons);
  }

  boolean isUp() {
    return !closed && slots.stream().anyMatch(Slot::isUp);
  }

  boolean isClosed() {
    return closed;
  }

  void close() {
    ScheduledThreadPoolExecutor stop;
    synchronized (this) {
      closed = true;
      stop = reconnector;
    }
    if (stop != null) {
      stop.shutdownNow();
    }
    for (Slot slot : slots) {
      Connection c = slot.connection;
      if (c != null) {
        c.close();
      }
    }
  }

  private synchronized ScheduledThreadPoolExecutor reconnector() {
    if (reconnector == null) {
      String name = "meshwork-client-reconnect-" + slots.get(0).peer;
      reconnector =
          new ScheduledThreadPoolExecutor(
              1,
              runnable -> {
                Thread thread = new Thread(runnable, name);
                thread.setDaemon(true);
                return thread;
              });
      reconnector.setRemoveOnCancelPolicy(true);
    }
    return reconnector;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    for (Slot slot : slots) {
      parts.add(slot.isUp() ? slot.peer : slot.peer + " (down)");
    }
    return String.join(", ", parts) + (closed ? ", closed" : "");
  }
}
