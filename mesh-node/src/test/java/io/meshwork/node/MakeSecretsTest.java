package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.AuthSettings;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.testing.SecretsScript;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/make-secrets.sh} run for real: the certificates meet cluster TLS's constraints
 * (RSA, signed directly by the CA, one shared subject name), the clients file is what the node
 * reads, and the Kubernetes Secrets hold exactly those files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MakeSecretsTest {
  private Path dir;
  private Path out;

  @BeforeAll
  void runTheScriptOnce(@TempDir Path dir) {
    this.dir = dir;
    out = dir.resolve("secrets");
    SecretsScript.make(out, "--client", "ci", "--allow", "kv/get, echo");
  }

  private Path file(String name) {
    return out.resolve(name);
  }

  private static X509Certificate certificate(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static String openssl(String... args) throws Exception {
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", args) + ": " + output).isZero();
    return output;
  }

  @Test
  void theNodeCertificateIsAnRsaKeySignedDirectlyByTheCaWithTheSharedName() throws Exception {
    String ca = file("ca.crt").toString();
    assertThat(openssl("openssl", "verify", "-CAfile", ca, file("node.crt").toString())).contains("OK");
    X509Certificate caCert = certificate(file("ca.crt"));
    X509Certificate node = certificate(file("node.crt"));
    node.verify(caCert.getPublicKey()); // no intermediate between them
    assertThat(node.getIssuerX500Principal()).isEqualTo(caCert.getSubjectX500Principal());
    assertThat(caCert.getBasicConstraints()).as("CA: basicConstraints CA:TRUE").isGreaterThanOrEqualTo(0);
    assertThat(node.getBasicConstraints()).as("node: not a CA").isEqualTo(-1);
    assertThat(node.getSubjectX500Principal().getName()).isEqualTo("CN=meshwork-node");
    assertThat(node.getSubjectAlternativeNames()).containsExactly(List.of(2, "meshwork-node"));
    assertThat(node.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    // An unencrypted PKCS#8 RSA key, the one the certificate holds.
    String pem = Files.readString(file("node.key"));
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    RSAPrivateCrtKey key =
        (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    assertThat(key.getModulus()).isEqualTo(((RSAPublicKey) node.getPublicKey()).getModulus());
  }

  @Test
  void theNodeLoadsTheClusterTlsFilesAsArteryTlsTcp() {
    Map<String, Object> overrides =
        Map.of(
            "meshwork.cluster-tls.enabled", "on",
            "meshwork.cluster-tls.cert-file", file("node.crt").toString(),
            "meshwork.cluster-tls.key-file", file("node.key").toString(),
            "meshwork.cluster-tls.ca-file", file("ca.crt").toString());
    Config config = NodeConfig.load(ConfigFactory.parseMap(overrides), false);
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
  }

  @Test
  void theClientsFileHoldsTheTokensSha256AndTheAllowListAsTheNodeReadsIt() throws Exception {
    String token = Files.readString(file("client.token"));
    assertThat(token).matches("[A-Za-z0-9_-]{43}"); // 32 random bytes, base64url, no padding
    AuthSettings auth =
        AuthSettings.fromConfig(
            NodeConfig.load(
                ConfigFactory.parseMap(
                    Map.of(
                        "meshwork.auth.enabled", "on",
                        "meshwork.auth.clients-file", file("clients.conf").toString())),
                false));
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.clients()).containsOnlyKeys("ci");
    AuthSettings.Client client = auth.clients().get("ci");
    byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    assertThat(HexFormat.of().formatHex(client.tokenSha256())).isEqualTo(HexFormat.of().formatHex(sha256));
    assertThat(client.allow()).containsExactly("kv/get", "echo");
    assertThat(Files.readString(file("clients.conf"))).doesNotContain(token);
  }

  @Test
  void theSecretsHoldExactlyTheFilesTheScriptMadeAndNeverTheCaKey() throws Exception {
    Map<String, Map<String, byte[]>> secrets = SecretsScript.k8sSecrets(out);
    assertThat(secrets).containsOnlyKeys("meshwork-clients", "meshwork-cluster-tls", "meshwork-client-token");
    assertThat(secrets.get("meshwork-clients")).containsOnlyKeys("clients.conf");
    assertThat(secrets.get("meshwork-clients").get("clients.conf"))
        .isEqualTo(Files.readAllBytes(file("clients.conf")));
    Map<String, byte[]> tls = secrets.get("meshwork-cluster-tls");
    assertThat(tls).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
    assertThat(tls.get("tls.crt")).isEqualTo(Files.readAllBytes(file("node.crt")));
    assertThat(tls.get("tls.key")).isEqualTo(Files.readAllBytes(file("node.key")));
    assertThat(tls.get("ca.crt")).isEqualTo(Files.readAllBytes(file("ca.crt")));
    assertThat(secrets.get("meshwork-client-token").get("token"))
        .isEqualTo(Files.readAllBytes(file("client.token")));
    String caKey = Files.readString(file("ca.key"));
    assertThat(caKey).contains("PRIVATE KEY");
    for (Map<String, byte[]> data : secrets.values()) {
      for (byte[] value : data.values()) {
        assertThat(new String(value, StandardCharsets.UTF_8)).isNotEqualTo(caKey);
      }
    }
  }

  @Test
  void theKeysAndTheTokenAreReadableByTheirOwnerOnly() throws Exception {
    for (String secret : List.of("client.token", "ca.key", "node.key", "k8s-secrets.yaml")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file(secret))))
          .as(secret)
          .isEqualTo("rw-------");
    }
  }

  @Test
  void runningAgainKeepsEverythingAndRenewNodeReissuesOnlyTheNodeCertificate() throws Exception {
    Path again = dir.resolve("again");
    SecretsScript.make(again);
    byte[] ca = Files.readAllBytes(again.resolve("ca.crt"));
    byte[] node = Files.readAllBytes(again.resolve("node.crt"));
    byte[] token = Files.readAllBytes(again.resolve("client.token"));
    assertThat(SecretsScript.make(again)).contains("nothing new made");
    assertThat(Files.readAllBytes(again.resolve("ca.crt"))).isEqualTo(ca);
    assertThat(Files.readAllBytes(again.resolve("node.crt"))).isEqualTo(node);
    assertThat(Files.readAllBytes(again.resolve("client.token"))).isEqualTo(token);

    assertThat(SecretsScript.make(again, "--renew-node")).contains("node.crt node.key made");
    assertThat(Files.readAllBytes(again.resolve("node.crt"))).isNotEqualTo(node);
    assertThat(Files.readAllBytes(again.resolve("ca.crt"))).isEqualTo(ca);
    assertThat(Files.readAllBytes(again.resolve("client.token"))).isEqualTo(token);
    String caFile = again.resolve("ca.crt").toString();
    assertThat(openssl("openssl", "verify", "-CAfile", caFile, again.resolve("node.crt").toString()))
        .contains("OK");
    assertThat(SecretsScript.k8sSecrets(again).get("meshwork-cluster-tls").get("tls.crt"))
        .isEqualTo(Files.readAllBytes(again.resolve("node.crt")));
  }

  @Test
  void anAllowEntryTheNodeWouldRefuseExitsTwoAndWritesNothing() {
    Path bad = dir.resolve("bad");
    SecretsScript.Run run = SecretsScript.run("--allow", "kv/get/more", bad.toString());
    assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
    assertThat(run.output()).contains("--allow entry \"kv/get/more\"");
    assertThat(bad).doesNotExist();
    SecretsScript.Run noDir = SecretsScript.run("--client", "app");
    assertThat(noDir.exitCode()).isEqualTo(2);
    assertThat(noDir.output()).contains("Usage:");
  }

  @Test
  void shellcheckFindsNothing() throws IOException, InterruptedException {
    File shellcheck = new File("/usr/bin/shellcheck");
    assumeThat(shellcheck.canExecute()).as("shellcheck is not installed: script not linted").isTrue();
    Process p =
        new ProcessBuilder(shellcheck.getPath(), SecretsScript.SCRIPT.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("shellcheck: " + output).isZero();
  }
}
