package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.config.TlsSettings;
import io.meshwork.node.config.TlsSettings.ClientAuth;
import io.meshwork.node.testing.TestCertificates;
import io.meshwork.node.testing.TestCertificates.Authority;
import io.meshwork.node.testing.TestCertificates.Party;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The TLS switches, their MESH_* variables, and the refusals to start with unusable material. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsConfigTest {
  private final TestCertificates certs = new TestCertificates();
  private Authority ca;
  private Party node;

  @BeforeAll
  void makeCertificates() {
    ca = certs.authority("config");
    node = certs.node(ca, "node");
  }

  @AfterAll
  void deleteCertificates() {
    certs.close();
  }

  private static Config load(Map<String, Object> overrides, boolean env) {
    return NodeConfig.load(ConfigFactory.parseMap(overrides), env);
  }

  @Test
  void tlsIsOffByDefault() {
    Config config = load(Map.of(), false);
    assertThat(NodeSettings.fromConfig(config).endpoint().tls().enabled()).isFalse();
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tcp");
  }

  @Test
  void meshVariablesTurnOnEndpointAndClusterTls() {
    Map<String, Object> env = new HashMap<>();
    env.put("MESH_TLS", "on");
    env.put("MESH_TLS_CERT", node.cert().toString());
    env.put("MESH_TLS_KEY", node.key().toString());
    env.put("MESH_TLS_CLIENT_AUTH", "want");
    env.put("MESH_TLS_CA", ca.cert().toString());
    env.put("MESH_CLUSTER_TLS", "on");
    env.put("MESH_CLUSTER_TLS_CERT", node.cert().toString());
    env.put("MESH_CLUSTER_TLS_KEY", node.key().toString());
    env.put("MESH_CLUSTER_TLS_CA", ca.cert().toString());
    Config config = load(env, true);
    TlsSettings tls = NodeSettings.fromConfig(config).endpoint().tls();
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.certFile()).isEqualTo(node.cert());
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.WANT);
    assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(config.getString("pekko.remote.artery.ssl.ssl-engine-provider"))
        .endsWith("RotatingKeysSSLEngineProvider");
    assertThat(config.getString("pekko.remote.artery.ssl.rotating-keys-engine.ca-cert-file"))
        .isEqualTo(ca.cert().toAbsolutePath().toString());
  }

  @Test
  void clusterTlsFromPkcs12StoresRequiresMutualAuthentication() {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.cluster-tls.enabled", true);
    conf.put("meshwork.cluster-tls.key-store", node.pkcs12().toString());
    conf.put("meshwork.cluster-tls.key-store-password", TestCertificates.PASSWORD);
    conf.put("meshwork.cluster-tls.trust-store", ca.trustStore().toString());
    conf.put("meshwork.cluster-tls.trust-store-password", TestCertificates.PASSWORD);
    Config config = load(conf, false);
    assertThat(config.getString("pekko.remote.artery.ssl.ssl-engine-provider"))
        .endsWith("ConfigSSLEngineProvider");
    assertThat(config.getBoolean("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"))
        .isTrue();
    assertThat(config.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store"))
        .isEqualTo(node.pkcs12().toAbsolutePath().toString());
  }

  @Test
  void endpointTlsWithoutKeyMaterialRefusesToStart() {
    assertThatThrownBy(() -> settings(Map.of("meshwork.endpoint.tls.enabled", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "meshwork.endpoint.tls: TLS is enabled but no key material is set (expected: cert-file"
                + " and key-file (PEM), or key-store (PKCS12))");
  }

  @Test
  void aMissingKeyFileIsNamed() {
    assertThatThrownBy(
            () ->
                settings(
                    Map.of(
                        "meshwork.endpoint.tls.enabled", true,
                        "meshwork.endpoint.tls.cert-file", node.cert().toString(),
                        "meshwork.endpoint.tls.key-file", "/nonexistent/tls.key")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "meshwork.endpoint.tls.key-file: \"/nonexistent/tls.key\" (expected: an existing file;"
                + " there is none)");
  }

  @Test
  void clientAuthNeedWithoutACaRefusesToStart() {
    assertThatThrownBy(
            () ->
                settings(
                    Map.of(
                        "meshwork.endpoint.tls.enabled", true,
                        "meshwork.endpoint.tls.cert-file", node.cert().toString(),
                        "meshwork.endpoint.tls.key-file", node.key().toString(),
                        "meshwork.endpoint.tls.client-auth", "need")))
        .hasMessage(
            "meshwork.endpoint.tls.client-auth = need: no ca-file or trust-store to verify the"
                + " peer's certificate with");
  }

  @Test
  void anUnreadableKeyRefusesToStartBeforeTheNodeExists() throws Exception {
    Path garbage = certs.dir().resolve("garbage.key");
    Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    Config config =
        load(
            Map.of(
                "meshwork.endpoint.tls.enabled", true,
                "meshwork.endpoint.tls.cert-file", node.cert().toString(),
                "meshwork.endpoint.tls.key-file", garbage.toString()),
            false);
    assertThatThrownBy(() -> MeshNode.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("meshwork.endpoint.tls.key-file: \"" + garbage + "\" (expected: an"
            + " unencrypted PKCS#8 or PKCS#1 PEM private key)");
  }

  @Test
  void aWrongKeyStorePasswordRefusesToStart() {
    Config config =
        load(
            Map.of(
                "meshwork.endpoint.tls.enabled", true,
                "meshwork.endpoint.tls.key-store", node.pkcs12().toString(),
                "meshwork.endpoint.tls.key-store-password", "wrong"),
            false);
    assertThatThrownBy(() -> MeshNode.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("meshwork.endpoint.tls.key-store: \"" + node.pkcs12()
            + "\" (expected: a PKCS12 store that opens with its password)");
  }

  @Test
  void clusterTlsWithoutACaRefusesToStart() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "meshwork.cluster-tls.enabled", true,
                        "meshwork.cluster-tls.cert-file", node.cert().toString(),
                        "meshwork.cluster-tls.key-file", node.key().toString()),
                    false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "meshwork.cluster-tls: no ca-file or trust-store to verify the peer's certificate with");
  }

  private static NodeSettings settings(Map<String, Object> conf) {
    return NodeSettings.fromConfig(load(conf, false));
  }
}
