package io.meshwork.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** meshwork.auth and meshwork.management: defaults, MESH_* variables and every refusal. */
class SecuritySettingsTest {
  private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private static Config load(Map<String, ?> overrides, boolean env) {
    return NodeConfig.load(ConfigFactory.parseMap(overrides), env);
  }

  @Test
  void byDefaultAuthIsOffAndManagementIsLoopbackAndReadOnly() {
    Config config = load(Map.of(), false);
    AuthSettings auth = AuthSettings.fromConfig(config);
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.header()).isEqualTo("authorization");
    ManagementSettings management = ManagementSettings.fromConfig(config);
    assertThat(management.host()).isEqualTo("127.0.0.1");
    assertThat(management.allowMutations()).isFalse();
    assertThat(management.https()).isFalse();
    assertThat(config.getBoolean("pekko.management.http.route-providers-read-only")).isTrue();
  }

  @Test
  void meshVariablesSwitchAuthAndManagement(@TempDir Path dir) throws Exception {
    Path clients = dir.resolve("clients.conf");
    Files.writeString(
        clients, "clients { ci { token-sha256 = \"" + HASH + "\", allow = [\"echo\", \"kv/get\"] } }\n");
    Config config =
        load(
            Map.of(
                "MESH_AUTH", "on",
                "MESH_AUTH_FILE", clients.toString(),
                "MESH_MANAGEMENT_HOST", "0.0.0.0",
                "MESH_MANAGEMENT_ALLOW_MUTATIONS", "on",
                "MESH_MANAGEMENT_USER", "ops",
                "MESH_MANAGEMENT_PASSWORD_SHA256", HASH.toUpperCase()),
            true);
    AuthSettings auth = AuthSettings.fromConfig(config);
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.clients()).containsOnlyKeys("ci");
    assertThat(auth.clients().get("ci").allow()).containsExactly("echo", "kv/get");
    assertThat(HexFormat.of().formatHex(auth.clients().get("ci").tokenSha256())).isEqualTo(HASH);
    ManagementSettings management = ManagementSettings.fromConfig(config);
    assertThat(management.host()).isEqualTo("0.0.0.0");
    assertThat(config.getString("pekko.management.http.bind-hostname")).isEqualTo("0.0.0.0");
    assertThat(management.allowMutations()).isTrue();
    assertThat(management.user()).isEqualTo("ops");
    assertThat(HexFormat.of().formatHex(management.passwordSha256())).isEqualTo(HASH);
  }

  @Test
  void authOnWithoutClientsIsRefused() {
    assertThatThrownBy(() -> AuthSettings.fromConfig(load(Map.of("meshwork.auth.enabled", true), false)))
        .hasMessageStartingWith("meshwork.auth.enabled = on with no clients");
  }

  @Test
  void aTokenInsteadOfItsHashIsRefusedWithoutRepeatingIt() {
    Config config =
        load(Map.of("meshwork.auth.clients.ci.token-sha256", "my-secret-token", "meshwork.auth.clients.ci.allow", List.of("*")), false);
    assertThatThrownBy(() -> AuthSettings.fromConfig(config))
        .hasMessageStartingWith("meshwork.auth.clients.ci.token-sha256: a value of 15 characters (expected: the SHA-256 as 64 hex digits")
        .hasMessageNotContaining("my-secret-token");
  }

  @Test
  void malformedPermissionsAndSharedTokensAreRefused() {
    assertThatThrownBy(
            () ->
                AuthSettings.fromConfig(
                    load(
                        Map.of(
                            "meshwork.auth.clients.ci.token-sha256", HASH,
                            "meshwork.auth.clients.ci.allow", List.of("kv/get/x")),
                        false)))
        .hasMessage(
            "meshwork.auth.clients.ci.allow: \"kv/get/x\" (expected: \"*\", \"service\", \"service/*\" or \"service/method\")");
    assertThatThrownBy(
            () ->
                AuthSettings.fromConfig(
                    load(
                        Map.of(
                            "meshwork.auth.clients.a.token-sha256", HASH,
                            "meshwork.auth.clients.b.token-sha256", HASH),
                        false)))
        .hasMessageContaining("a and b have the same token-sha256");
  }

  @Test
  void mutationsWithoutCredentialsAreRefused() {
    assertThatThrownBy(
            () ->
                ManagementSettings.fromConfig(
                    load(Map.of("meshwork.management.allow-mutations", true), false)))
        .hasMessageStartingWith("meshwork.management.allow-mutations = on without meshwork.management.user");
    assertThatThrownBy(
            () ->
                ManagementSettings.fromConfig(
                    load(
                        Map.of(
                            "meshwork.management.allow-mutations", true,
                            "meshwork.management.user", "ops"),
                        false)))
        .hasMessageStartingWith(
            "meshwork.management.allow-mutations = on without meshwork.management.password-sha256");
  }

  @Test
  void aKeyStoreThatCannotBeReadFailsStartUpNamingTheKey(@TempDir Path dir) {
    ManagementSettings management =
        ManagementSettings.fromConfig(
            load(
                Map.of(
                    "meshwork.management.https.key-store", dir.resolve("missing.p12").toString(),
                    "meshwork.management.https.key-store-password", "x"),
                false));
    assertThat(management.https()).isTrue();
    assertThatThrownBy(() -> io.meshwork.node.management.ManagementHttps.sslContext(management))
        .hasMessageStartingWith("meshwork.management.https.key-store: \"" + dir.resolve("missing.p12"))
        .hasMessageContaining("cannot be used");
  }
}
