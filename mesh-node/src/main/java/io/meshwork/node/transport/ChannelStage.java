package io.meshwork.node.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected {@link SocketChannel} as a Pekko Streams flow: what the flow receives is written to
 * the socket, what the socket delivers is emitted. The socket is driven by an {@link EventLoop};
 * when the stream runs on that loop's dispatcher, reads, writes and the stream's own processing
 * happen on one thread with no hand-off between them.
 *
 * <p>Reads follow demand: a read happens only while downstream has pulled, so a consumer that
 * stops pulling stops the reading and TCP pushes back on the peer. A write that the socket does
 * not take at once waits for the socket to become writable before the next element is pulled.
 *
 * <ul>
 *   <li>The peer's end of input completes the outlet (half-close: replies still go out).
 *   <li>Completing the inlet writes what is pending and closes the socket. If the peer was still
 *       sending (bytes unread), the socket first shuts its output and reads the rest for up to
 *       {@code linger}, so that the peer gets the last bytes written, not a reset.
 *   <li>Cancelling the outlet stops reading; writing goes on until the inlet completes.
 *   <li>A socket error (reset by the peer, broken pipe) closes the socket and completes the stage.
 * </ul>
 */
public final class ChannelStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(ChannelStage.class);

  /** The largest write prepared at once in the loop's write buffer. */
  private static final int WRITE_CHUNK = 256 * 1024;

  private final SocketChannel channel;
  private final EventLoop loop;
  private final int readBufferSize;
  private final Duration linger;
  private final Inlet<ByteString> in = Inlet.create("Channel.toSocket");
  private final Outlet<ByteString> out = Outlet.create("Channel.fromSocket");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  public ChannelStage(SocketChannel channel, EventLoop loop, int readBufferSize, Duration linger) {
    this.channel = channel;
    this.loop = loop;
    this.readBufferSize = readBufferSize;
    this.linger = linger;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic {
    private final AsyncCallback<ByteString> received = createAsyncCallback(this::onReceived);
    private final AsyncCallback<Boolean> inputEnded = createAsyncCallback(b -> onInputEnded());
    private final AsyncCallback<Boolean> written = createAsyncCallback(b -> onWritten());
    private final AsyncCallback<Boolean> closed = createAsyncCallback(b -> completeStage());
    private final Io io = new Io(this);
    private volatile Materializer materializer;

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              ByteString bytes = grab(in);
              if (loop.inEventLoop()) {
                if (io.write(bytes)) {
                  pull(in);
                }
              } else {
                loop.execute(
                    () -> {
                      if (io.write(bytes)) {
                        written.invoke(Boolean.TRUE);
                      }
                    });
              }
            }

            @Override
            public void onUpstreamFinish() {
              loop.run(io::closeAfterWrites);
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              loop.run(io::abort);
              failStage(ex);
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              loop.run(io::demand);
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              loop.run(io::stopReading);
              if (isClosed(in)) {
                completeStage();
              }
            }
          });
    }

    @Override
    public void preStart() {
      materializer = materializer();
      loop.run(io::open);
      pull(in);
    }

    @Override
    public void postStop() {
      // Whatever ended the stage, the socket does not outlive it (a graceful close goes on).
      try {
        loop.run(io::release);
      } catch (RuntimeException e) { // the loop has terminated
        io.closeQuietly();
      }
    }

    private void onReceived(ByteString bytes) {
      if (isAvailable(out)) {
        push(out, bytes);
      }
    }

    private void onInputEnded() {
      if (!isClosed(out)) {
        complete(out);
      }
    }

    private void onWritten() {
      if (!isClosed(in) && !hasBeenPulled(in)) {
        pull(in);
      }
    }

    void scheduleLingerEnd() {
      materializer
          .scheduleOnce(
              scala.concurrent.duration.Duration.fromNanos(linger.toNanos()),
              () -> loop.execute(io::closeNow));
    }
  }

  /** The socket's side: every method runs on the loop's thread. */
  private final class Io implements EventLoop.Handler {
    private final Logic logic;
    private SelectionKey key;
    private boolean readDemand;
    private boolean inputEnded;
    private boolean draining;
    private boolean closing;
    private boolean closed;
    private ByteString pending = ByteString.emptyByteString();

    Io(Logic logic) {
      this.logic = logic;
    }

    void open() {
      if (closed) {
        return;
      }
      try {
        key = loop.register(channel, 0, this);
      } catch (IOException e) {
        failed(e);
      }
    }

    void demand() {
      if (closed || inputEnded || closing) {
        return;
      }
      readDemand = true;
      interest(SelectionKey.OP_READ, true);
    }

    void stopReading() {
      readDemand = false;
      if (!draining) {
        interest(SelectionKey.OP_READ, false);
      }
    }

    @Override
    public void onReady(SelectionKey key) {
      int ready = key.readyOps();
      if ((ready & SelectionKey.OP_WRITE) != 0) {
        flushPending();
      }
      if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()) {
        read();
      }
    }

    private void read() {
      if (!readDemand && !draining) {
        interest(SelectionKey.OP_READ, false);
        return;
      }
      ByteBuffer buffer = loop.readBuffer(readBufferSize);
      int n;
      try {
        n = channel.read(buffer);
      } catch (IOException e) {
        failed(e);
        return;
      }
      if (n > 0) {
        if (draining) {
          return; // bytes after the last reply: nobody will answer them
        }
        buffer.flip();
        byte[] bytes = new byte[n];
        buffer.get(bytes);
        readDemand = false;
        logic.received.invoke(ByteString.fromArrayUnsafe(bytes));
      } else if (n < 0) {
        inputEnded = true;
        readDemand = false;
        interest(SelectionKey.OP_READ, false);
        if (draining) {
          closeNow();
        } else {
          logic.inputEnded.invoke(Boolean.TRUE);
        }
      }
    }

    /** Writes what the socket takes now; true when all of it went, else the rest waits. */
    boolean write(ByteString bytes) {
      if (closed) {
        return true; // the connection is gone: the stage is completing
      }
      if (!pending.isEmpty()) {
        pending = pending.concat(bytes); // cannot happen with one element at a time; kept safe
        return false;
      }
      pending = bytes;
      return flushPendingNow();
    }

    private void flushPending() {
      if (flushPendingNow()) {
        interest(SelectionKey.OP_WRITE, false);
        if (closing) {
          finishClose();
        } else {
          logic.written.invoke(Boolean.TRUE);
        }
      }
    }

    private boolean flushPendingNow() {
      try {
        while (!pending.isEmpty()) {
          ByteBuffer buffer = loop.writeBuffer(Math.min(pending.size(), WRITE_CHUNK));
          int prepared = pending.copyToBuffer(buffer);
          buffer.flip();
          int n = channel.write(buffer);
          pending = pending.drop(n);
          if (n < prepared) {
            interest(SelectionKey.OP_WRITE, true);
            return false;
          }
        }
        return true;
      } catch (IOException e) {
        failed(e);
        return false;
      }
    }

    void closeAfterWrites() {
      if (closed || closing) {
        return;
      }
      closing = true;
      readDemand = false;
      if (pending.isEmpty()) {
        finishClose();
      }
    }

    /** Everything is written: close, or (input still open) shut output and read to the end. */
    private void finishClose() {
      if (inputEnded || key == null) {
        closeNow();
        return;
      }
      try {
        channel.shutdownOutput();
      } catch (IOException e) {
        closeNow();
        return;
      }
      draining = true;
      interest(SelectionKey.OP_READ, true);
      logic.closed.invoke(Boolean.TRUE);
      logic.scheduleLingerEnd();
    }

    void closeNow() {
      if (closed) {
        return;
      }
      closed = true;
      pending = ByteString.emptyByteString();
      closeQuietly();
      if (!draining) {
        logic.closed.invoke(Boolean.TRUE);
      }
    }

    /** The stage has stopped: close unless a graceful close is already under way. */
    void release() {
      if (!draining) {
        closed = true;
        closeQuietly();
      }
    }

    void abort() {
      draining = false;
      closed = true;
      closeQuietly();
    }

    @Override
    public void onLoopClosed() {
      abort();
    }

    private void failed(IOException e) {
      log.debug("Connection {} failed: {}", channel, e.toString());
      draining = false;
      closeNow();
    }

    void closeQuietly() {
      if (key != null) {
        key.cancel();
      }
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("Closing {} failed", channel, e);
      }
    }

    private void interest(int op, boolean on) {
      if (key == null || !key.isValid()) {
        return;
      }
      int ops = key.interestOps();
      int wanted = on ? ops | op : ops & ~op;
      if (wanted != ops) {
        key.interestOps(wanted);
      }
    }
  }
}
