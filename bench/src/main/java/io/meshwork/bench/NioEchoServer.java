package io.meshwork.bench;

import com.google.protobuf.CodedOutputStream;
import io.meshwork.protocol.v1.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;

/**
 * The JVM's near-limit reference: a plain single-threaded {@code java.nio} selector server that
 * serves {@code echo} over the Meshwork framing and messages, with nothing else in the way.
 *
 * <p>Each read is split into frames (a frame may be split or coalesced anywhere); each frame is
 * parsed as a {@code Request} and answered with {@code Reply{id, payload}}; all replies produced
 * from one read leave in one write. When the socket does not take them all, the rest waits for
 * OP_WRITE and the connection is not read meanwhile (backpressure). A length prefix above 1 MiB, or
 * one that is not a valid varint32, gets {@code Reply{id: 0, BAD_REQUEST}}, then the connection
 * closes; a body that is not a {@code Request} gets the same reply and the connection stays open.
 */
public final class NioEchoServer implements AutoCloseable {
  /** The node's default frame limit. */
  static final int MAX_FRAME_BYTES = 1 << 20;

  private static final int READ_BUFFER_BYTES = 256 * 1024;

  /** Room for every reply of one full read buffer, or for one reply to a largest frame. */
  private static final int WRITE_BUFFER_BYTES = MAX_FRAME_BYTES + 64 * 1024;

  private final Selector selector;
  private final ServerSocketChannel server;
  private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
  private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;

  private NioEchoServer(InetSocketAddress address) throws IOException {
    selector = Selector.open();
    server = ServerSocketChannel.open();
    try {
      server.bind(address, 4096);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw e;
    }
    thread = new Thread(this::serve, "nio-echo-server");
  }

  /** Binds {@code address} (port 0: any free port) and serves it on a thread of its own. */
  public static NioEchoServer start(InetSocketAddress address) throws IOException {
    NioEchoServer echo = new NioEchoServer(address);
    echo.thread.start();
    return echo;
  }

  /** The bound address (with the real port when started on port 0). */
  public InetSocketAddress localAddress() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops serving, closes every connection and waits for the server thread to end. */
  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code --host HOST --port PORT}; prints {@code listening on HOST:PORT} once it accepts. */
  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 7700;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: NioEchoServer [--host HOST] [--port PORT]");
          System.exit(2);
        }
      }
    }
    NioEchoServer echo = start(new InetSocketAddress(host, port));
    Runtime.getRuntime().addShutdownHook(new Thread(echo::close));
    System.out.println("listening on " + host + ":" + echo.localAddress().getPort());
    System.out.flush();
    echo.thread.join();
  }

  private void serve() {
    try {
      while (running) {
        selector.select(this::onEvent);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("nio-echo-server: selector loop failed: " + e);
    } finally {
      for (SelectionKey key : selector.keys()) {
        closeQuietly(key.channel());
      }
      try {
        selector.close();
      } catch (IOException e) {
        // Closing down anyway.
      }
      stopped.countDown();
    }
  }

  private void onEvent(SelectionKey key) {
    if (key.isAcceptable()) {
      accept();
      return;
    }
    EchoConnection connection = (EchoConnection) key.attachment();
    try {
      if (key.isWritable()) {
        writeUnwritten(connection);
      } else if (key.isReadable()) {
        read(connection);
      }
    } catch (IOException e) {
      close(connection); // a reset or a vanished client: nothing to answer
    }
  }

  private void accept() {
    SocketChannel channel;
    try {
      while ((channel = server.accept()) != null) {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        key.attach(new EchoConnection(channel, key));
      }
    } catch (IOException e) {
      // Too many open files and the like: the client sees a reset; keep serving the others.
      System.err.println("nio-echo-server: accept failed: " + e.getMessage());
    }
  }

  private void read(EchoConnection connection) throws IOException {
    in.clear();
    int n = connection.channel.read(in);
    if (n < 0) {
      close(connection);
      return;
    }
    in.flip();
    ByteBuffer frames = in;
    if (connection.partialFrame != null) {
      connection.partialFrame = EchoConnection.withRoom(connection.partialFrame, in.remaining());
      frames = connection.partialFrame.put(in).flip();
    }
    int needed = answerFrames(connection, frames);
    if (frames.hasRemaining() && !connection.closeAfterWrite) {
      if (frames == in) {
        connection.partialFrame = EchoConnection.withRoom(null, Math.max(needed, in.remaining()));
        connection.partialFrame.put(in);
      } else {
        frames.compact();
      }
    } else {
      connection.partialFrame = null;
    }
    flush(connection);
  }

  /**
   * Answers every complete frame in {@code frames} (read mode), leaving a trailing partial frame in
   * it; returns the size of that partial frame once known, else 0.
   */
  private int answerFrames(EchoConnection connection, ByteBuffer frames) throws IOException {
    while (frames.hasRemaining()) {
      int start = frames.position();
      int available = frames.remaining();
      long length = 0;
      int prefix = 0;
      boolean complete = false;
      while (prefix < available && prefix < 5) {
        int b = frames.get(start + prefix) & 0xff;
        if (prefix == 4 && b > 0x0f) {
          return badPrefix(connection, String.format("fifth byte 0x%02x", b));
        }
        length |= (long) (b & 0x7f) << (7 * prefix++);
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        return 0;
      }
      if (length > MAX_FRAME_BYTES) {
        return badPrefix(connection, "frame of " + length + " bytes");
      }
      if (available - prefix < length) {
        return prefix + (int) length;
      }
      reply(connection, EchoReplies.answer(frames.slice(start + prefix, (int) length)));
      frames.position(start + prefix + (int) length);
    }
    return 0;
  }

  /** An unusable length prefix: the stream cannot be resynchronised, so answer and close. */
  private int badPrefix(EchoConnection connection, String what) throws IOException {
    reply(connection, EchoReplies.badPrefix(what, MAX_FRAME_BYTES));
    connection.closeAfterWrite = true;
    in.position(in.limit());
    if (connection.partialFrame != null) {
      connection.partialFrame.position(connection.partialFrame.limit());
    }
    return 0;
  }

  /** Appends one reply frame to the shared write buffer, or behind the connection's backlog. */
  private void reply(EchoConnection connection, Reply reply) throws IOException {
    int size = reply.getSerializedSize();
    int frameBytes = CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    if (connection.unwritten == null && out.remaining() < frameBytes) {
      flush(connection);
    }
    ByteBuffer target;
    if (connection.unwritten == null) {
      target = out;
    } else {
      connection.unwritten = EchoConnection.withRoom(connection.unwritten, frameBytes);
      target = connection.unwritten;
    }
    CodedOutputStream coded = CodedOutputStream.newInstance(target);
    coded.writeUInt32NoTag(size);
    reply.writeTo(coded);
    coded.flush();
  }

  /** Writes the shared buffer's replies; what the socket does not take waits for OP_WRITE. */
  private void flush(EchoConnection connection) throws IOException {
    if (out.position() > 0) {
      out.flip();
      connection.channel.write(out);
      if (out.hasRemaining()) {
        connection.unwritten = EchoConnection.withRoom(connection.unwritten, out.remaining());
        connection.unwritten.put(out);
      }
      out.clear();
    }
    if (connection.unwritten != null) {
      connection.key.interestOps(SelectionKey.OP_WRITE);
    } else if (connection.closeAfterWrite) {
      close(connection);
    }
  }

  private void writeUnwritten(EchoConnection connection) throws IOException {
    ByteBuffer unwritten = connection.unwritten.flip();
    connection.channel.write(unwritten);
    if (unwritten.hasRemaining()) {
      unwritten.compact();
      return;
    }
    connection.unwritten = null;
    if (connection.closeAfterWrite) {
      close(connection);
    } else {
      connection.key.interestOps(SelectionKey.OP_READ);
    }
  }

  private static void close(EchoConnection connection) {
    connection.key.cancel();
    closeQuietly(connection.channel);
  }

  private static void closeQuietly(Channel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing left to do for this connection.
    }
  }
}
