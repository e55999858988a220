package io.meshwork.bench;

import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** A tiny blocking server that answers every request with whatever the test scripts. */
final class ScriptedServer implements AutoCloseable {
  /** Builds the reply to a request, starting from a correct echo reply. */
  interface Answer {
    Reply answer(Request request, Reply.Builder echo);
  }

  private final ServerSocket server;
  private final Answer answer;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private ScriptedServer(Answer answer) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.answer = answer;
    Thread acceptor = new Thread(this::accept, "scripted-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  static ScriptedServer start(Answer answer) throws IOException {
    return new ScriptedServer(answer);
  }

  static ScriptedServer echoWith(UnaryOperator<Reply.Builder> change) throws IOException {
    return start((request, echo) -> change.apply(echo).build());
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        sockets.add(socket);
        Thread connection = new Thread(() -> serve(socket), "scripted-connection");
        connection.setDaemon(true);
        connection.start();
      }
    } catch (IOException e) {
      // Closed by the test.
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      Request request;
      while ((request = Request.parseDelimitedFrom(in)) != null) {
        Reply.Builder echo =
            Reply.newBuilder().setId(request.getId()).setPayload(request.getPayload());
        answer.answer(request, echo).writeDelimitedTo(out);
        if (in.available() == 0) {
          out.flush();
        }
      }
    } catch (IOException e) {
      // The load generator closed the connection.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
