package io.meshwork.client;

import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The machinery behind a {@link MeshClient}: one socket, a writer thread, a reader thread that
 * matches replies to {@link PendingCalls}, and a timer thread for the calls' deadlines. All three
 * threads are daemons named after the peer, e.g. {@code meshwork-client-reader-127.0.0.1:7700}.
 */
final class Connection {
  private static final System.Logger LOG = System.getLogger(MeshClient.class.getName());
  private static final int READ_BUFFER_BYTES = 64 * 1024;
  private static final Duration THREAD_STOP_TIMEOUT = Duration.ofSeconds(2);

  private final String peer;
  private final Socket socket;
  private final int maxReplyFrameBytes;
  private final AtomicLong nextId = new AtomicLong(1);
  private final ScheduledThreadPoolExecutor timers;
  private final PendingCalls pending;
  private final FrameWriter writer;
  private final Thread reader;
  /** Why the connection closed; null while it is open. */
  private final AtomicReference<String> closed = new AtomicReference<>();
  private volatile Thread timerThread;
  private volatile Consumer<String> onLost; // null until set, and after close()
  private final AtomicBoolean lostReported = new AtomicBoolean();
  private volatile boolean closedByClient;

  private Connection(String peer, Socket socket, int maxReplyFrameBytes) throws IOException {
    this.peer = peer;
    this.socket = socket;
    this.maxReplyFrameBytes = maxReplyFrameBytes;
    ThreadFactory timerThreads = daemon("meshwork-client-timer-" + peer);
    this.timers =
        new ScheduledThreadPoolExecutor(
            1, runnable -> timerThread = timerThreads.newThread(runnable));
    timers.setRemoveOnCancelPolicy(true); // a reply cancels its timer; do not keep it queued
    timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.pending = new PendingCalls(timers);
    this.writer =
        new FrameWriter(
            socket.getOutputStream(),
            "meshwork-client-writer-" + peer,
            e -> shutdown("write failed: " + describe(e)));
    InputStream in = new BufferedInputStream(socket.getInputStream(), READ_BUFFER_BYTES);
    this.reader = daemon("meshwork-client-reader-" + peer).newThread(() -> readReplies(in));
  }

  /**
   * Connects and starts the threads; see {@link MeshClient#connect(InetSocketAddress,
   * MeshClientOptions)}.
   */
  static Connection open(InetSocketAddress address, MeshClientOptions options)
      throws ConnectException {
    String peer = hostAndPort(address);
    InetSocketAddress resolved =
        address.isUnresolved()
            ? new InetSocketAddress(address.getHostString(), address.getPort())
            : address;
    if (resolved.isUnresolved()) {
      throw new ConnectException("cannot connect to " + peer + ": unknown host");
    }
    Duration timeout = options.connectTimeout();
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true); // the writer coalesces frames itself
      socket.connect(resolved, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
      if (options.tls() != null) {
        socket = options.tls().handshake(socket, address, timeout);
      }
      Connection connection = new Connection(peer, socket, options.maxReplyFrameBytes());
      connection.writer.start();
      connection.reader.start();
      return connection;
    } catch (IOException e) {
      closeQuietly(socket);
      String reason =
          e instanceof SocketTimeoutException
              ? "no connection within " + DeadlineText.format(timeout)
              : describe(e);
      ConnectException failure = new ConnectException("cannot connect to " + peer + ": " + reason);
      failure.initCause(e);
      throw failure;
    }
  }

  /**
   * Runs {@code listener} once with the reason when the connection closes for any cause but
   * {@link #close()}; at once when it has closed already (a node that is still starting closes a
   * new connection right after accepting it, often before this is called).
   */
  void onLost(Consumer<String> listener) {
    this.onLost = listener;
    String reason = closed.get();
    if (reason != null && !closedByClient) {
      reportLost(reason);
    }
  }

  /** Runs the listener once; a loss before the listener is set is reported when it is set. */
  private void reportLost(String reason) {
    Consumer<String> listener = onLost;
    if (listener != null && lostReported.compareAndSet(false, true)) {
      listener.accept(reason);
    }
  }

  /** The peer as {@code host:port}, the way the caller named it. */
  String peer() {
    return peer;
  }

  boolean isOpen() {
    return closed.get() == null;
  }

  /** Why the connection closed ({@code the node closed the connection}, ...); null while open. */
  String closeReason() {
    return closed.get();
  }

  /** Numbers the request, queues it for the writer and returns the future of its reply. */
  CompletableFuture<Reply> send(Request.Builder request, Duration deadline) {
    long id = nextId.getAndIncrement();
    byte[] frame = Varint.encodeFrame(request.setId(id).build());
    CompletableFuture<Reply> reply = pending.register(id, deadline);
    if (!reply.isDone()) {
      writer.enqueue(frame);
    }
    return reply;
  }

  /** Closes the socket, fails the calls still waiting and waits briefly for the threads to end. */
  void close() {
    closedByClient = true;
    onLost = null;
    shutdown("closed by the client");
    awaitStopped(writer.thread());
    awaitStopped(reader);
    Thread timer = timerThread; // null when no call was ever made
    if (timer != null) {
      awaitStopped(timer); // ends soon: shutdown() cancelled every timer
    }
  }

  private void readReplies(InputStream in) {
    ReplyFrameReader frames = new ReplyFrameReader(in, maxReplyFrameBytes);
    String detail;
    try {
      for (Reply reply = frames.next(); reply != null; reply = frames.next()) {
        dispatch(reply);
      }
      detail = "the node closed the connection";
    } catch (IOException | RuntimeException e) {
      detail = describe(e);
    }
    shutdown(detail); // a no-op after close(), which keeps its own reason
  }

  private void dispatch(Reply reply) {
    if (reply.getId() == 0) {
      // A connection-level error: the node cannot tell which call it concerns.
      if (reply.getStatusValue() != Status.OK_VALUE) {
        pending.failAll(reply);
      }
    } else if (!pending.complete(reply)) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0}: ignoring a reply to call {1}, which no longer waits",
          peer,
          reply.getId());
    }
  }

  /** Closes everything once; {@code detail} says why. Safe from any thread. */
  private void shutdown(String detail) {
    if (!closed.compareAndSet(null, detail)) {
      return;
    }
    pending.close("connection to " + peer + " closed: " + detail);
    writer.stop();
    closeQuietly(socket); // also wakes the reader, and a writer blocked by TCP backpressure
    timers.shutdown();
    reportLost(detail);
  }

  private static void awaitStopped(Thread thread) {
    if (thread == Thread.currentThread()) {
      return; // close() called by a callback running on this thread
    }
    try {
      thread.join(THREAD_STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  static String hostAndPort(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  static String describe(Exception e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing left to do with this socket.
    }
  }
}
