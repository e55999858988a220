package io.meshwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ClientTls's construction and its refusals; handshakes are tested against nodes (mesh-node). */
class ClientTlsTest {
  @TempDir Path dir;

  @Test
  void plainTcpIsTheDefault() {
    assertThat(MeshClientOptions.defaults().tls()).isNull();
  }

  @Test
  void hostnameVerificationIsOnByDefaultAndCanBeRelaxed() throws Exception {
    ClientTls tls = ClientTls.of(SSLContext.getDefault());
    assertThat(tls.verifyHostname()).isTrue();
    assertThat(tls.serverName()).isNull();
    ClientTls named = tls.withServerName("node.example");
    assertThat(named.serverName()).isEqualTo("node.example");
    assertThat(named.verifyHostname()).isTrue();
    assertThat(named.withoutHostnameVerification().verifyHostname()).isFalse();
    assertThat(MeshClientOptions.builder().tls(tls).build().tls()).isSameAs(tls);
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() {
    assertThatThrownBy(() -> ClientTls.fromPem(dir.resolve("ca.crt"), dir.resolve("c.crt"), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(expected: both or neither)");
  }

  @Test
  void aMissingOrEmptyCaFileIsNamed() throws Exception {
    Path missing = dir.resolve("missing.crt");
    assertThatThrownBy(() -> ClientTls.fromPem(missing, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(missing + ": cannot read PEM certificates");
    Path empty = Files.writeString(dir.resolve("empty.crt"), "");
    assertThatThrownBy(() -> ClientTls.fromPem(empty, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(empty.toString());
  }
}
