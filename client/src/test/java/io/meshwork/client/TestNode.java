package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A tiny real TCP server standing in for a Meshwork node in tests: it listens on a free port of
 * 127.0.0.1 and serves each accepted connection on its own thread with a {@link Handler}. Every
 * request it reads is also recorded in {@link #received()}. {@link #close()} closes every socket
 * and waits for every thread.
 */
public final class TestNode implements AutoCloseable {
  /** Serves one connection; returning closes it. */
  @FunctionalInterface
  public interface Handler {
    void serve(Peer peer) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final Handler handler;
  private final Thread acceptor;
  private final List<Peer> peers = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Request> received = new LinkedBlockingQueue<>();

  private TestNode(int port, Handler handler) throws IOException {
    this.handler = requireNonNull(handler, "handler");
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 50);
    this.acceptor = new Thread(this::acceptConnections, "test-node-acceptor-" + port());
    acceptor.start();
  }

  /** Starts a node serving every connection with {@code handler}. */
  public static TestNode start(Handler handler) throws IOException {
    return new TestNode(0, handler);
  }

  /** Starts a node on {@code port} (e.g. the port of a node that was closed, to bring it back). */
  public static TestNode start(int port, Handler handler) throws IOException {
    return new TestNode(port, handler);
  }

  /** Serves {@code echo} like {@link #startEchoNode()}, on {@code port}. */
  public static TestNode startEchoNode(int port) throws IOException {
    return start(
        port,
        peer -> {
          for (Request request = peer.read(); request != null; request = peer.read()) {
            peer.send(echoOrNotFound(request));
          }
        });
  }

  /**
   * A node like a small cluster: service {@code echo} returns the payload for any method; any other
   * service gets NOT_FOUND {@code no service "x" in the cluster}.
   */
  public static TestNode startEchoNode() throws IOException {
    return startEchoNode(0);
  }

  /** A node that reads every request and never replies. */
  public static TestNode startSilentNode() throws IOException {
    return start(
        peer -> {
          while (peer.read() != null) {
            // swallow it
          }
        });
  }

  public static Reply echoOrNotFound(Request request) {
    if (request.getService().equals("echo")) {
      return ok(request.getId(), request.getPayload());
    }
    return Reply.newBuilder()
        .setId(request.getId())
        .setStatus(Status.NOT_FOUND)
        .setError("no service \"" + request.getService() + "\" in the cluster")
        .build();
  }

  public static Reply ok(long id, ByteString payload) {
    return Reply.newBuilder().setId(id).setStatus(Status.OK).setPayload(payload).build();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** 127.0.0.1 and the port, so the client names the connection "127.0.0.1:port". */
  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port());
  }

  /** Every request read so far, in the order read. */
  public BlockingQueue<Request> received() {
    return received;
  }

  @Override
  public void close() throws IOException {
    server.close();
    awaitStopped(acceptor); // after this no peer is added, so every one is closed below
    for (Peer peer : peers) {
      peer.close();
    }
    for (Thread thread : threads) {
      awaitStopped(thread);
    }
  }

  private static void awaitStopped(Thread thread) {
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException(thread.getName() + " did not stop within 5 s");
    }
  }

  private void acceptConnections() {
    try {
      while (true) {
        Peer peer = new Peer(server.accept());
        peers.add(peer);
        Thread thread = new Thread(() -> serve(peer), "test-node-peer-" + port());
        threads.add(thread);
        thread.start();
      }
    } catch (IOException e) {
      // the server socket was closed: stop accepting
    }
  }

  private void serve(Peer peer) {
    try {
      handler.serve(peer);
    } catch (IOException e) {
      // the test closed the connection, or the client did
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      peer.close();
    }
  }

  /** One accepted connection, seen from the node. */
  public final class Peer {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Peer(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** The next request, or null when the client closed the connection. */
    public Request read() throws IOException {
      Request request = Request.parseDelimitedFrom(in);
      if (request != null) {
        received.add(request);
      }
      return request;
    }

    /** Sends a reply; flushes once no more request bytes are waiting, so bursts batch up. */
    public void send(Reply reply) throws IOException {
      reply.writeDelimitedTo(out);
      if (in.available() == 0) {
        out.flush();
      }
    }

    /** Writes raw bytes, for frames no well-behaved node would send. */
    public void sendRaw(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    public void flush() throws IOException {
      out.flush();
    }

    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
