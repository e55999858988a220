package io.meshwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NioEchoServerTest {
  private NioEchoServer server;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  @BeforeEach
  void start() throws IOException {
    server = NioEchoServer.start(new InetSocketAddress("127.0.0.1", 0));
    socket = new Socket("127.0.0.1", server.localAddress().getPort());
    socket.setSoTimeout(5000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  @AfterEach
  void stop() throws IOException {
    socket.close();
    server.close();
  }

  @Test
  void echoesFramesSplitAtEveryByte() throws IOException {
    byte[] frame = Varint.encodeFrame(request(1, "echo", 300));
    for (byte b : frame) {
      out.write(b);
      out.flush();
    }

    Reply reply = Reply.parseDelimitedFrom(in);

    assertThat(reply.getId()).isEqualTo(1);
    assertThat(reply.getStatus()).isEqualTo(Status.OK);
    assertThat(reply.getPayload()).isEqualTo(request(1, "echo", 300).getPayload());
  }

  @Test
  void answersCoalescedFramesInOrder() throws IOException {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (int id = 1; id <= 100; id++) {
      frames.write(Varint.encodeFrame(request(id, id % 2 == 0 ? "echo" : "", id * 10)));
    }
    out.write(frames.toByteArray());
    out.flush();

    for (int id = 1; id <= 100; id++) {
      Reply reply = Reply.parseDelimitedFrom(in);
      assertThat(reply.getId()).isEqualTo(id);
      assertThat(reply.getPayload()).isEqualTo(request(id, "echo", id * 10).getPayload());
    }
  }

  @Test
  void largePayloadsArriveWhole() throws IOException {
    Request big = request(9, "echo", NioEchoServer.MAX_FRAME_BYTES - 64);
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 4; i++) {
                  big.writeDelimitedTo(out);
                }
                out.flush();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();

    for (int i = 0; i < 4; i++) {
      assertThat(Reply.parseDelimitedFrom(in).getPayload()).isEqualTo(big.getPayload());
    }
  }

  @Test
  void anUnknownServiceIsNotFound() throws IOException {
    request(5, "nope", 1).writeDelimitedTo(out);

    Reply reply = Reply.parseDelimitedFrom(in);

    assertThat(reply.getId()).isEqualTo(5);
    assertThat(reply.getStatus()).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void aBodyThatIsNotARequestGetsBadRequestAndTheConnectionStaysOpen() throws IOException {
    out.write(new byte[] {2, (byte) 0xff, (byte) 0xff}); // field 31, wire type 7: invalid
    request(6, "echo", 3).writeDelimitedTo(out);

    Reply bad = Reply.parseDelimitedFrom(in);
    Reply next = Reply.parseDelimitedFrom(in);

    assertThat(bad.getId()).isZero();
    assertThat(bad.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(next.getId()).isEqualTo(6);
    assertThat(next.getStatus()).isEqualTo(Status.OK);
  }

  @Test
  void oversizedFrameGetsBadRequestAndConnectionCloses() throws IOException {
    out.write(new byte[] {(byte) 0x81, (byte) 0x80, 0x40}); // 1 MiB + 1
    out.flush();

    Reply reply = Reply.parseDelimitedFrom(in);

    assertThat(reply.getId()).isZero();
    assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(reply.getError()).contains("1048577").contains("1048576");
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void aPrefixLongerThanFiveBytesGetsBadRequestAndConnectionCloses() throws IOException {
    out.write(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
    out.flush();

    Reply reply = Reply.parseDelimitedFrom(in);

    assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(in.read()).isEqualTo(-1);
  }

  private static Request request(long id, String service, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    for (int i = 0; i < payloadBytes; i++) {
      payload[i] = (byte) (i * 31 + payloadBytes);
    }
    return Request.newBuilder()
        .setId(id)
        .setService(service)
        .setPayload(ByteString.copyFrom(payload))
        .build();
  }
}
