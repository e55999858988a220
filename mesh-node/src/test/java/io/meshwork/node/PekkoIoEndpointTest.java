package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every endpoint test again, with the endpoint on Pekko's Tcp extension instead of event loops. */
class PekkoIoEndpointTest extends EndpointTest {
  @Override
  protected Map<String, Object> nodeConfig() {
    return Map.of("meshwork.endpoint.transport", "pekko-io");
  }

  /**
   * The one difference: Pekko's Tcp extension closes a connection without reading what the client
   * is still sending (the event loops shut output and read on for a linger time), so the client's
   * kernel may see a reset before the client reads the error. Either the error or a reset, then;
   * never a hang, and the node goes on serving.
   */
  @Override
  @Test
  void aClientStillSendingAfterAProtocolErrorReadsTheErrorNotAReset() throws Exception {
    try (WireConnection c = new WireConnection(address())) {
      try {
        c.writeRaw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
        c.writeRaw(new byte[256 * 1024]).flush();
        Reply reply = c.read();
        assertThat(reply.getId()).isZero();
        assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      } catch (UncheckedIOException reset) {
        assertThat(reset.getCause()).hasMessageMatching("(?s).*(Broken pipe|Connection reset).*");
      }
    }
    try (WireConnection next = new WireConnection(address())) {
      Reply reply = next.call(echo(1, ByteString.copyFromUtf8("still serving")));
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("still serving");
    }
  }
}
