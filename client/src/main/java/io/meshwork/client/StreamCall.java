package io.meshwork.client;

import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * One call of a streaming method, as a {@link Flow.Subscription}: a connection of its own and a
 * thread that connects, sends the request and reads the reply frames, delivering each item when
 * the subscriber has asked for one.
 *
 * <p>Protocol v1 cancels a call only by closing its connection ("closing the connection cancels
 * every stream on it, and the service is told to stop"), so each stream has its own connection,
 * and {@link #cancel()} closes it. While the subscriber asks for nothing, the thread reads
 * nothing: TCP pushes back to the node, which ends the stream with {@code OVERLOADED} once its
 * buffer for this connection is full, rather than buffering without bound.
 */
final class StreamCall<T> implements Flow.Subscription, Runnable {
  private final List<InetSocketAddress> nodes;
  private final int firstNode;
  private final Request request;
  private final Duration deadline;
  private final MeshClientOptions options;
  private final Function<Reply, T> items;
  private final Flow.Subscriber<? super T> subscriber;
  private final Object lock = new Object();
  private long demand; // guarded by lock
  private boolean cancelled; // guarded by lock
  private Socket socket; // guarded by lock
  private volatile boolean terminated;

  StreamCall(
      List<InetSocketAddress> nodes,
      int firstNode,
      Request request,
      Duration deadline,
      MeshClientOptions options,
      Function<Reply, T> items,
      Flow.Subscriber<? super T> subscriber) {
    this.nodes = nodes;
    this.firstNode = firstNode;
    this.request = request;
    this.deadline = deadline;
    this.options = options;
    this.items = items;
    this.subscriber = subscriber;
  }

  void start(String service) {
    subscriber.onSubscribe(this);
    Thread thread = new Thread(this, "meshwork-client-stream-" + service + "-" + request.getId());
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      fail(new IllegalArgumentException("request(" + n + "): expected a positive number (rule 3.9)"));
      cancel();
      return;
    }
    synchronized (lock) {
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      lock.notifyAll();
    }
  }

  @Override
  public void cancel() {
    Socket s;
    synchronized (lock) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      s = socket;
      lock.notifyAll();
    }
    terminated = true;
    closeQuietly(s); // the node sees the connection close and cancels the call at the service
  }

  @Override
  public void run() {
    Socket s = connect();
    if (s == null) {
      return;
    }
    try {
      OutputStream out = s.getOutputStream();
      out.write(Varint.encodeFrame(request));
      out.flush();
      InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
      ReplyFrameReader frames = new ReplyFrameReader(in, options.maxReplyFrameBytes());
      // The deadline bounds the wait for the first frame (plus the grace of unary calls).
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, deadline.plus(PendingCalls.TIMER_GRACE).toMillis()));
      boolean first = true;
      for (Reply reply = frames.next(); reply != null; reply = frames.next()) {
        if (first) {
          s.setSoTimeout(0);
          first = false;
        }
        if (reply.getId() != request.getId() && reply.getId() != 0) {
          continue; // not ours; the connection carries this one call only
        }
        if (reply.getMore() && reply.getStatusValue() == Status.OK_VALUE) {
          if (!awaitDemand()) {
            return;
          }
          T item;
          try {
            item = items.apply(reply);
          } catch (RuntimeException e) {
            fail(e);
            cancel();
            return;
          }
          subscriber.onNext(item);
          continue;
        }
        end(reply);
        return;
      }
      lost("the node closed the connection before the stream ended");
    } catch (SocketTimeoutException e) {
      fail(new MeshCallException(
          Status.DEADLINE_EXCEEDED,
          "no stream frame within " + DeadlineText.format(deadline) + " (client-side timer)"));
    } catch (IOException | RuntimeException e) {
      lost(Connection.describe(e));
    } finally {
      closeQuietly(s);
    }
  }

  /** Connects to the first node that accepts, starting with the chosen one. */
  private Socket connect() {
    StringBuilder reasons = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++) {
      InetSocketAddress node = nodes.get((firstNode + i) % nodes.size());
      InetSocketAddress resolved =
          node.isUnresolved() ? new InetSocketAddress(node.getHostString(), node.getPort()) : node;
      Socket s = new Socket();
      synchronized (lock) {
        if (cancelled) {
          return null;
        }
        socket = s;
      }
      try {
        s.setTcpNoDelay(true);
        s.connect(resolved, (int) Math.max(1, Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis())));
        // Cancelling closes the plain socket, which closes the TLS one over it too.
        return options.tls() == null ? s : options.tls().handshake(s, node, options.connectTimeout());
      } catch (IOException e) {
        closeQuietly(s);
        if (reasons.length() > 0) {
          reasons.append("; ");
        }
        reasons.append("cannot connect to ").append(Connection.hostAndPort(node)).append(": ").append(Connection.describe(e));
      }
    }
    fail(new MeshCallException(Status.UNAVAILABLE, reasons.toString()));
    return null;
  }

  /** Waits until the subscriber wants an item; false once cancelled. */
  private boolean awaitDemand() throws IOException {
    synchronized (lock) {
      while (demand == 0 && !cancelled) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
      if (cancelled) {
        return false;
      }
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      return true;
    }
  }

  private void end(Reply last) {
    if (last.getStatusValue() == Status.OK_VALUE) {
      if (!last.getPayload().isEmpty()) {
        // An end frame may carry a last item.
        try {
          if (!awaitDemand()) {
            return;
          }
        } catch (IOException e) {
          return;
        }
        subscriber.onNext(items.apply(last));
      }
      if (!terminated) {
        terminated = true;
        subscriber.onComplete();
      }
    } else {
      fail(new MeshCallException(last.getStatus(), last.getError()));
    }
  }

  private void lost(String reason) {
    fail(new MeshCallException(Status.UNAVAILABLE, "stream connection lost: " + reason));
  }

  private void fail(Throwable failure) {
    synchronized (lock) {
      if (cancelled && !(failure instanceof IllegalArgumentException)) {
        terminated = true;
        return; // no signal after cancel
      }
    }
    if (!terminated) {
      terminated = true;
      subscriber.onError(failure);
    }
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // nothing left to do
      }
    }
  }
}
