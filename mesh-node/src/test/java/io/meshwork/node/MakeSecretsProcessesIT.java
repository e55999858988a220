package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.node.testing.NodeProcess;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.SecretsScript;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code deploy/make-secrets.sh} makes, used as the recipes use it: two real {@code
 * mesh-node.jar} processes with client auth from its clients file and cluster TLS from its CA and
 * node certificate, configured only by the MESH_* variables the recipes set. A call with its token
 * crosses the TLS cluster link; one without is refused; a node of another CA is not let in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MakeSecretsProcessesIT {
  private Path secrets;
  private String token;
  private NodeProcess host;
  private NodeProcess router;

  @BeforeAll
  void makeSecretsAndStartTwoNodes(@TempDir Path dir) throws Exception {
    secrets = dir.resolve("secrets");
    SecretsScript.make(secrets);
    token = Files.readString(secrets.resolve("client.token"));
    host = NodeProcess.start("secrets-host", env(secrets, Map.of("MESH_SERVICES", "echo")));
    router =
        NodeProcess.start(
            "secrets-router",
            env(secrets, Map.of("MESH_SERVICES", "none", "MESH_SEED_NODES", host.clusterAddress())));
    host.awaitReady(Duration.ofSeconds(60));
    router.awaitReady(Duration.ofSeconds(60));
  }

  /** The variables deploy/k8s sets, pointing at the script's files (mounted there as tls.*). */
  private static Map<String, String> env(Path files, Map<String, String> more) {
    Map<String, String> env = new HashMap<>(more);
    env.put("MESH_AUTH", "on");
    env.put("MESH_AUTH_FILE", files.resolve("clients.conf").toString());
    env.put("MESH_CLUSTER_TLS", "on");
    env.put("MESH_CLUSTER_TLS_CERT", files.resolve("node.crt").toString());
    env.put("MESH_CLUSTER_TLS_KEY", files.resolve("node.key").toString());
    env.put("MESH_CLUSTER_TLS_CA", files.resolve("ca.crt").toString());
    return env;
  }

  @AfterAll
  void stopNodes() {
    if (router != null) {
      router.close();
    }
    if (host != null) {
      host.close();
    }
  }

  private Reply echo(MeshClient client, String text, Map<String, String> headers) throws Exception {
    return client
        .call("echo", "", ByteString.copyFromUtf8(text), Duration.ofSeconds(10), headers)
        .get(15, TimeUnit.SECONDS);
  }

  @Test
  void aCallWithTheScriptsTokenIsServedAcrossTheTlsClusterLink() throws Exception {
    Map<String, String> bearer = Map.of("authorization", "Bearer " + token);
    try (MeshClient c = MeshClient.connect(router.endpoint(), MeshClientOptions.builder().build())) {
      // The router hosts nothing: echo runs on the host, reached over Artery tls-tcp.
      Poll.until(
          Duration.ofSeconds(20),
          "echo routable from the router",
          () -> {
            try {
              return echo(c, "ping", bearer).getStatus() == Status.OK;
            } catch (Exception e) {
              return false;
            }
          });
      Reply reply = echo(c, "through the router", bearer);
      assertThat(reply.getStatus()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("through the router");
    }
    assertThat(router.upMembers()).isEqualTo(2);
    assertThat(host.logText() + router.logText()).doesNotContain(token);
  }

  @Test
  void aCallWithoutTheTokenOrWithAnotherIsUnauthenticated() throws Exception {
    try (MeshClient c = MeshClient.connect(router.endpoint(), MeshClientOptions.builder().build())) {
      assertThat(echo(c, "no token", Map.of()).getStatus()).isEqualTo(Status.UNAUTHENTICATED);
      Reply wrong = echo(c, "wrong token", Map.of("authorization", "Bearer x" + token));
      assertThat(wrong.getStatus()).isEqualTo(Status.UNAUTHENTICATED);
      assertThat(wrong.getError()).doesNotContain(token);
    }
  }

  @Test
  void aNodeWithACertificateOfAnotherCaIsNotLetIntoTheCluster(@TempDir Path dir) {
    Path other = dir.resolve("other");
    SecretsScript.make(other);
    try (NodeProcess outsider =
        NodeProcess.start(
            "secrets-outsider",
            env(other, Map.of("MESH_SERVICES", "none", "MESH_SEED_NODES", host.clusterAddress())))) {
      // Evidence that it tried: the handshake with the host failed on the certificate.
      Poll.until(
          Duration.ofSeconds(60),
          "a failed TLS handshake in the outsider's or the host's log",
          () -> (outsider.logText() + host.logText()).contains("SSLHandshakeException"));
      assertThat(outsider.httpStatus("/ready")).isNotEqualTo(200);
      assertThat(host.upMembers()).isEqualTo(2);
      assertThat(host.httpGet("/cluster/members")).doesNotContain(":" + outsider.clusterPort);
    }
  }
}
