package io.meshwork.node;

import static io.meshwork.node.testing.WireConnection.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UInt32Value;
import io.meshwork.client.ClientTls;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.TestCertificates;
import io.meshwork.node.testing.TestCertificates.Authority;
import io.meshwork.node.testing.TestCertificates.Party;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The client endpoint with {@code meshwork.endpoint.tls} on: one node with client-auth none
 * (and echo on a dedicated port), one with client-auth need; the Java client and raw TLS sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsEndpointTest {
  private final TestCertificates certs = new TestCertificates();
  private final TestNodes nodes = new TestNodes();
  private Authority ca;
  private Authority otherCa;
  private Party client;
  private Party strangerClient;
  private InetSocketAddress address;
  private InetSocketAddress echoPort;
  private InetSocketAddress mutualAddress;

  @BeforeAll
  void startNodes() throws Exception {
    ca = certs.authority("a");
    otherCa = certs.authority("b");
    Party node = certs.node(ca, "node");
    client = certs.client(ca, "client");
    strangerClient = certs.client(otherCa, "stranger");

    Map<String, Object> tls = new HashMap<>();
    tls.put("meshwork.endpoint.tls.enabled", true);
    tls.put("meshwork.endpoint.tls.cert-file", node.cert().toString());
    tls.put("meshwork.endpoint.tls.key-file", node.key().toString());
    tls.put("meshwork.endpoint.service-ports.echo", 0);
    MeshNode plainAuth = nodes.start("echo,silent,ticker", null, tls);

    // The second node: a PKCS12 key store, and client certificates required.
    Map<String, Object> mutual = new HashMap<>();
    mutual.put("meshwork.endpoint.tls.enabled", true);
    mutual.put("meshwork.endpoint.tls.key-store", node.pkcs12().toString());
    mutual.put("meshwork.endpoint.tls.key-store-password", TestCertificates.PASSWORD);
    mutual.put("meshwork.endpoint.tls.client-auth", "need");
    mutual.put("meshwork.endpoint.tls.ca-file", ca.cert().toString());
    MeshNode needsCert = nodes.start("echo", plainAuth, mutual);

    address = TestNodes.endpoint(plainAuth);
    echoPort = plainAuth.serviceEndpoints().toCompletableFuture().get(10, TimeUnit.SECONDS).get("echo");
    mutualAddress = TestNodes.endpoint(needsCert);
    TestNodes.awaitUp(plainAuth, needsCert);
  }

  @AfterAll
  void stopNodes() {
    nodes.close();
    certs.close();
  }

  private MeshClientOptions trusting(Authority authority) {
    return options(ClientTls.fromPem(authority.cert(), null, null));
  }

  private static MeshClientOptions options(ClientTls tls) {
    return MeshClientOptions.builder().tls(tls).reconnect(false).build();
  }

  private SSLContext rawTls() {
    return ClientTls.fromPem(ca.cert(), null, null).context();
  }

  @Test
  void aClientTrustingTheCaGetsPipelinedCallsAnswered() throws Exception {
    try (MeshClient c = MeshClient.connect(address, trusting(ca))) {
      List<CompletableFuture<Reply>> calls = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        calls.add(c.call("echo", "", ByteString.copyFromUtf8("m" + i)));
      }
      for (int i = 0; i < calls.size(); i++) {
        Reply reply = calls.get(i).get(30, TimeUnit.SECONDS);
        assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("m" + i);
      }
    }
  }

  @Test
  void errorRepliesTravelOverTls() throws Exception {
    try (MeshClient c = MeshClient.connect(address, trusting(ca))) {
      Reply missing = c.call("nope", "", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
      assertThat(missing.getStatus()).isIn(Status.NOT_FOUND, Status.UNAVAILABLE);
      Reply late =
          c.call("silent", "", ByteString.EMPTY, Duration.ofMillis(300), Map.of())
              .get(10, TimeUnit.SECONDS);
      assertThat(late.getStatus()).isEqualTo(Status.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void rawFramesOverTlsArePipelinedAndProtocolErrorsAnswered() {
    try (WireConnection c = new WireConnection(address, rawTls())) {
      for (int id = 1; id <= 500; id++) {
        c.write(echo(id, ByteString.copyFromUtf8("p" + id)));
      }
      c.flush();
      for (int i = 0; i < 500; i++) {
        assertThat(c.read().getStatus()).isEqualTo(Status.OK);
      }
      // A frame that is not a Request: BAD_REQUEST with id 0, and the connection stays open.
      c.writeRaw(new byte[] {3, (byte) 0xff, (byte) 0xff, (byte) 0xff}).flush();
      Reply bad = c.read();
      assertThat(bad.getId()).isZero();
      assertThat(bad.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(c.call(echo(9, ByteString.copyFromUtf8("still open"))).getStatus())
          .isEqualTo(Status.OK);
      // An oversize length prefix: BAD_REQUEST naming the limit, then the node closes.
      c.writeRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}).flush();
      Reply oversize = c.read();
      assertThat(oversize.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(c.closedByNode()).isTrue();
    }
  }

  @Test
  void aStreamingCallRunsOverTls() throws Exception {
    try (MeshClient c = MeshClient.connect(address, trusting(ca))) {
      ClientStreamingTest.Collector<UInt32Value> items = new ClientStreamingTest.Collector<>(1, true);
      c.stream("ticker", "count", UInt32Value.of(50), UInt32Value.parser(), Duration.ofSeconds(5), Map.of())
          .subscribe(items);
      assertThat(items.failure()).isNull();
      assertThat(items.items).hasSize(50);
    }
  }

  @Test
  void theDedicatedServicePortSpeaksTlsToo() throws Exception {
    try (MeshClient c = MeshClient.connect(echoPort, trusting(ca))) {
      Reply reply = c.call("", "", ByteString.copyFromUtf8("dedicated")).get(10, TimeUnit.SECONDS);
      assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("dedicated");
    }
    try (WireConnection plain = new WireConnection(echoPort)) {
      plain.write(echo(1, ByteString.copyFromUtf8("in clear"))).flush();
      assertThat(plain.closedByNode()).isTrue();
    }
  }

  @Test
  void aPlainTcpClientGetsNoServiceAndTheConnectionIsClosed() {
    try (WireConnection plain = new WireConnection(address)) {
      plain.write(echo(1, ByteString.copyFromUtf8("in clear"))).flush();
      // Its bytes are no TLS handshake: the node closes without answering in the clear.
      assertThat(plain.closedByNode()).isTrue();
    }
    // The Java client without TLS: the call fails (the connection is closed), it is not answered.
    assertThat(callOnce(address, MeshClientOptions.builder().reconnect(false).build()))
        .isNotEqualTo("OK");
  }

  @Test
  void aClientThatDoesNotTrustTheNodesCertificateFailsTheHandshake() {
    assertThatThrownBy(() -> MeshClient.connect(address, trusting(otherCa)))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("cannot connect to " + address.getHostString())
        .hasMessageContaining("TLS handshake failed")
        .hasCauseInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void theNodesCertificateMustNameTheExpectedHost() throws Exception {
    ClientTls tls = ClientTls.fromPem(ca.cert(), null, null);
    assertThatThrownBy(() -> MeshClient.connect(address, options(tls.withServerName("other.example"))))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("TLS handshake failed");
    try (MeshClient c = MeshClient.connect(address, options(tls.withServerName("meshwork-node")))) {
      assertThat(c.call("echo", "", ByteString.copyFromUtf8("named")).get(10, TimeUnit.SECONDS).getStatus())
          .isEqualTo(Status.OK);
    }
    try (MeshClient c =
        MeshClient.connect(
            address, options(tls.withServerName("other.example").withoutHostnameVerification()))) {
      assertThat(c.call("echo", "", ByteString.copyFromUtf8("unnamed")).get(10, TimeUnit.SECONDS).getStatus())
          .isEqualTo(Status.OK);
    }
  }

  @Test
  void withClientAuthNeedAClientWithoutACertificateIsRefused() {
    // TLS 1.3: the client may finish its side of the handshake before the node's refusal arrives,
    // so the refusal shows at the handshake or at the first call, never as an answer.
    assertThat(callOnce(mutualAddress, trusting(ca)))
        .matches("refused: (.*TLS handshake failed.*|(UNAVAILABLE )?connection .* closed: .*)");
  }

  @Test
  void withClientAuthNeedACertificateFromAnotherCaIsRefused() {
    ClientTls stranger =
        ClientTls.fromPem(ca.cert(), strangerClient.cert(), strangerClient.key());
    assertThat(callOnce(mutualAddress, options(stranger)))
        .matches("refused: (.*TLS handshake failed.*|(UNAVAILABLE )?connection .* closed: .*)");
  }

  @Test
  void withClientAuthNeedACaSignedClientCertificateIsServed() {
    ClientTls signed = ClientTls.fromPem(ca.cert(), client.cert(), client.key());
    assertThat(callOnce(mutualAddress, options(signed))).isEqualTo("OK");
  }

  /** "OK" for an answered echo, else "refused: " and why. */
  private static String callOnce(InetSocketAddress node, MeshClientOptions options) {
    try (MeshClient c = MeshClient.connect(node, options)) {
      Reply reply = c.call("echo", "", ByteString.copyFromUtf8("hi")).get(10, TimeUnit.SECONDS);
      return reply.getStatus() == Status.OK ? "OK" : "refused: " + reply.getStatus() + " " + reply.getError();
    } catch (ConnectException | UncheckedIOException e) {
      return "refused: " + e.getMessage();
    } catch (java.util.concurrent.ExecutionException e) {
      return "refused: " + e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
