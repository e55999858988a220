package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.client.ClientTls;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestCertificates;
import io.meshwork.node.testing.TestCertificates.Authority;
import io.meshwork.node.testing.TestCertificates.Party;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real {@code mesh-node.jar} in two JVMs with TLS configured only by MESH_* variables: client
 * TLS with client certificates required, and mutual TLS between the nodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsProcessesIT {
  private final TestCertificates certs = new TestCertificates();
  private Authority ca;
  private NodeProcess host;
  private NodeProcess router;

  @BeforeAll
  void startProcesses() {
    ca = certs.authority("it");
    host = NodeProcess.start("tls-host", env(certs.node(ca, "host"), Map.of("MESH_SERVICES", "echo")));
    router =
        NodeProcess.start(
            "tls-router",
            env(
                certs.node(ca, "router"),
                Map.of("MESH_SERVICES", "none", "MESH_SEED_NODES", "127.0.0.1:" + host.clusterPort)));
    host.awaitReady(Duration.ofSeconds(60));
    router.awaitReady(Duration.ofSeconds(60));
  }

  private Map<String, String> env(Party node, Map<String, String> more) {
    Map<String, String> env = new HashMap<>(more);
    env.put("MESH_TLS", "on");
    env.put("MESH_TLS_CERT", node.cert().toString());
    env.put("MESH_TLS_KEY", node.key().toString());
    env.put("MESH_TLS_CLIENT_AUTH", "need");
    env.put("MESH_TLS_CA", ca.cert().toString());
    env.put("MESH_CLUSTER_TLS", "on");
    env.put("MESH_CLUSTER_TLS_CERT", node.cert().toString());
    env.put("MESH_CLUSTER_TLS_KEY", node.key().toString());
    env.put("MESH_CLUSTER_TLS_CA", ca.cert().toString());
    return env;
  }

  @AfterAll
  void stopProcesses() {
    if (router != null) {
      router.close();
    }
    if (host != null) {
      host.close();
    }
    certs.close();
  }

  @Test
  void aClientWithItsCertificateCallsThroughTheRouterAcrossMutualTls() throws Exception {
    Party client = certs.client(ca, "it-client");
    MeshClientOptions options =
        MeshClientOptions.builder()
            .tls(ClientTls.fromPem(ca.cert(), client.cert(), client.key()))
            .build();
    try (MeshClient c = MeshClient.connect(router.endpoint(), options)) {
      Poll.until(
          Duration.ofSeconds(20),
          "echo routable from the router node",
          () -> c.call("echo", "", ByteString.copyFromUtf8("ping")).join().getStatus() == Status.OK);
      for (int i = 0; i < 200; i++) {
        Reply reply = c.call("echo", "", ByteString.copyFromUtf8("m" + i)).get(10, TimeUnit.SECONDS);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("m" + i);
      }
    }
    assertThat(router.logText()).contains("with TLS (client-auth need)");
  }

  @Test
  void aClientThatDoesNotTrustTheNodeIsRefusedAtTheHandshake() {
    Authority other = certs.authority("it-other");
    MeshClientOptions options =
        MeshClientOptions.builder().reconnect(false).tls(ClientTls.fromPem(other.cert(), null, null)).build();
    assertThatThrownBy(() -> MeshClient.connect(router.endpoint(), options))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("TLS handshake failed");
  }
}
