package io.meshwork.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A raw protocol connection for tests: writes exactly the bytes a test asks for and reads replies
 * with protobuf's own {@code parseDelimitedFrom}, so that the node is checked against the protocol
 * itself rather than against our client library.
 */
public final class WireConnection implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  public WireConnection(InetSocketAddress address) {
    this(address, null);
  }

  /**
   * A connection over TLS with {@code tls} (no host name check; the CA is verified), or plain TCP
   * when it is null. The handshake runs at once: a refused one throws {@link UncheckedIOException}.
   */
  public WireConnection(InetSocketAddress address, javax.net.ssl.SSLContext tls) {
    try {
      Socket plain = new Socket();
      plain.connect(address, 5_000);
      if (tls != null) {
        javax.net.ssl.SSLSocket s =
            (javax.net.ssl.SSLSocket)
                tls.getSocketFactory()
                    .createSocket(plain, address.getHostString(), address.getPort(), true);
        s.setSoTimeout(15_000);
        s.startHandshake();
        socket = s;
      } else {
        socket = plain;
      }
      socket.setSoTimeout(15_000);
      socket.setTcpNoDelay(true);
      out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("connect " + address, e);
    }
  }

  public static Request echo(long id, ByteString payload) {
    return Request.newBuilder().setId(id).setService("echo").setPayload(payload).build();
  }

  /** Queues one request frame (call {@link #flush()} to send). */
  public WireConnection write(Request request) {
    try {
      request.writeDelimitedTo(out);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public WireConnection writeRaw(byte[] bytes) {
    try {
      out.write(bytes);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public WireConnection flush() {
    try {
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends one request and reads one reply. */
  public Reply call(Request request) {
    write(request).flush();
    return read();
  }

  /** Reads the next reply; fails the test if none comes within 15 s or the node closed. */
  public Reply read() {
    try {
      Reply reply = Reply.parseDelimitedFrom(in);
      assertThat(reply).as("a reply (the node closed the connection instead)").isNotNull();
      return reply;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The next reply if one starts arriving within {@code wait}, else null. (Waits for a first byte,
   * then reads the whole frame, so a frame is never cut by the timeout.)
   */
  public Reply readWithin(java.time.Duration wait) {
    try {
      // Block for the first byte for at most wait (no polling), then read the frame whole.
      socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
      in.mark(1);
      try {
        if (in.read() == -1) {
          return null; // the node closed the connection
        }
      } catch (SocketTimeoutException e) {
        return null;
      } finally {
        socket.setSoTimeout(15_000);
      }
      in.reset();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return read();
  }

  /** True when the node has closed the connection: end of stream within 15 s. */
  public boolean closedByNode() {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset also counts as closed
    }
  }

  /** Sends FIN: the node may still answer what was sent. */
  public void shutdownOutput() {
    try {
      out.flush();
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes with RST instead of FIN, like a crashed client. */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
