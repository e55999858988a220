package io.meshwork.node.config;

import com.typesafe.config.Config;
import java.util.Optional;

/**
 * The management API's exposure, from {@code meshwork.management} (see reference.conf).
 *
 * @param host the address it binds
 * @param allowMutations whether the mutating cluster routes (join, leave, down) are on
 * @param user the user name of their basic credentials, empty when none
 * @param passwordSha256 SHA-256 of the password, 32 bytes, or empty
 * @param keyStore a PKCS#12 key store for HTTPS, or empty for plain HTTP
 * @param keyStorePassword the key store's password
 */
public record ManagementSettings(
    String host,
    boolean allowMutations,
    String user,
    byte[] passwordSha256,
    Optional<String> keyStore,
    String keyStorePassword) {

  /** Reads and checks {@code meshwork.management} of a resolved node config. */
  public static ManagementSettings fromConfig(Config config) {
    Config m = config.getConfig("meshwork.management");
    String host = m.getString("host").trim();
    if (host.isEmpty()) {
      throw new IllegalArgumentException(
          "meshwork.management.host: \"\" (expected: an address, e.g. 127.0.0.1)");
    }
    boolean allow = m.getBoolean("allow-mutations");
    String user = m.getString("user").trim();
    String password = m.getString("password-sha256").trim();
    byte[] hash =
        password.isEmpty()
            ? new byte[0]
            : AuthSettings.sha256Hex(password, "meshwork.management.password-sha256");
    if (allow && (user.isEmpty() || hash.length == 0)) {
      throw new IllegalArgumentException(
          "meshwork.management.allow-mutations = on without "
              + (user.isEmpty() ? "meshwork.management.user" : "meshwork.management.password-sha256")
              + " (expected: both, so that join, leave and down need credentials;"
              + " MESH_MANAGEMENT_USER and MESH_MANAGEMENT_PASSWORD_SHA256)");
    }
    String keyStore = m.getString("https.key-store").trim();
    return new ManagementSettings(
        host,
        allow,
        user,
        hash,
        keyStore.isEmpty() ? Optional.empty() : Optional.of(keyStore),
        m.getString("https.key-store-password"));
  }

  /** True when the management API serves HTTPS. */
  public boolean https() {
    return keyStore.isPresent();
  }

  @Override
  public String toString() {
    return "ManagementSettings{host=" + host + ", allowMutations=" + allowMutations + ", user=" + user
        + ", https=" + https() + "}";
  }
}
