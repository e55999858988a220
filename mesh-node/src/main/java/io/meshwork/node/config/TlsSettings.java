package io.meshwork.node.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS settings of the client endpoint ({@code meshwork.endpoint.tls}) or of the cluster transport
 * ({@code meshwork.cluster-tls}); see reference.conf. When enabled, the key material is either PEM
 * ({@code certFile} + {@code keyFile}) or a PKCS12 {@code keyStore}; peers are verified against
 * {@code caFile} (PEM) or {@code trustStore} (PKCS12). Every named file exists and is readable,
 * checked here; its contents are checked when the node builds its {@code SSLContext}
 * (io.meshwork.node.tls.TlsContexts), before it starts.
 *
 * @param path the config path these settings come from, for messages
 * @param certFile PEM certificate chain, leaf first; null when unset
 * @param keyFile PEM private key (PKCS#8, or PKCS#1 RSA), unencrypted; null when unset
 * @param keyStore PKCS12 key store holding the key and its chain; null when unset
 * @param caFile PEM certificates trusted for the peer's certificate; null when unset
 * @param trustStore PKCS12 store of trusted certificates; null when unset
 * @param protocols enabled protocol versions, each TLSv1.3 or TLSv1.2
 */
public record TlsSettings(
    String path,
    boolean enabled,
    Path certFile,
    Path keyFile,
    Path keyStore,
    String keyStorePassword,
    ClientAuth clientAuth,
    Path caFile,
    Path trustStore,
    String trustStorePassword,
    List<String> protocols) {

  private static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public TlsSettings {
    requireNonNull(path, "path");
    requireNonNull(clientAuth, "clientAuth");
    protocols = List.copyOf(protocols);
  }

  /** TLS off. */
  public static TlsSettings disabled(String path) {
    return new TlsSettings(
        path, false, null, null, null, "", ClientAuth.NONE, null, null, "", ALLOWED_PROTOCOLS);
  }

  /** True when the key material is PEM files (else a PKCS12 key store). */
  public boolean pemKey() {
    return certFile != null;
  }

  /** Whether the server asks connecting clients for a certificate. */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE("none"),
    /** Asked for; a client without one is served, one with an untrusted one is refused. */
    WANT("want"),
    /** Required and verified: a client without a trusted certificate is refused. */
    NEED("need");

    private final String configName;

    ClientAuth(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static ClientAuth parse(String path, String value) {
      for (ClientAuth a : values()) {
        if (a.configName.equals(value.trim())) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          path + ".client-auth: \"" + value + "\" (expected: none, want or need)");
    }
  }

  /**
   * Reads {@code c}, the subtree at {@code path}. With {@code mutual}, the peer is always verified
   * (the cluster transport), so trust material is required and {@code client-auth} is not read.
   */
  public static TlsSettings fromConfig(String path, Config c, boolean mutual) {
    if (!c.getBoolean("enabled")) {
      return disabled(path);
    }
    Path cert = file(path, c, "cert-file");
    Path key = file(path, c, "key-file");
    Path keyStore = file(path, c, "key-store");
    if (keyStore != null && (cert != null || key != null)) {
      throw new IllegalArgumentException(
          path + ": both key-store and cert-file/key-file are set (expected: one of them)");
    }
    if (keyStore == null && (cert == null || key == null)) {
      throw new IllegalArgumentException(
          path
              + ": TLS is enabled but "
              + (cert == null && key == null
                  ? "no key material is set"
                  : (cert == null ? "cert-file" : "key-file") + " is not set")
              + " (expected: cert-file and key-file (PEM), or key-store (PKCS12))");
    }
    ClientAuth clientAuth = mutual ? ClientAuth.NEED : ClientAuth.parse(path, c.getString("client-auth"));
    Path ca = file(path, c, "ca-file");
    Path trustStore = file(path, c, "trust-store");
    if (ca != null && trustStore != null) {
      throw new IllegalArgumentException(
          path + ": both ca-file and trust-store are set (expected: one of them)");
    }
    if (clientAuth != ClientAuth.NONE && ca == null && trustStore == null) {
      throw new IllegalArgumentException(
          path
              + (mutual ? ": " : ".client-auth = " + clientAuth.configName + ": ")
              + "no ca-file or trust-store to verify the peer's certificate with");
    }
    List<String> protocols = new ArrayList<>();
    List<String> given = mutual ? List.of(c.getString("protocol")) : c.getStringList("protocols");
    for (String p : given) {
      if (!ALLOWED_PROTOCOLS.contains(p)) {
        throw new IllegalArgumentException(
            path
                + (mutual ? ".protocol" : ".protocols")
                + ": \""
                + p
                + "\" (expected: TLSv1.3 or TLSv1.2)");
      }
      protocols.add(p);
    }
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException(path + ".protocols: [] (expected: TLSv1.3 and/or TLSv1.2)");
    }
    return new TlsSettings(
        path,
        true,
        cert,
        key,
        keyStore,
        c.getString("key-store-password"),
        clientAuth,
        ca,
        trustStore,
        c.getString("trust-store-password"),
        protocols);
  }

  /** The file at {@code key}, null when empty; it must exist and be readable. */
  private static Path file(String path, Config c, String key) {
    String value = c.getString(key).trim();
    if (value.isEmpty()) {
      return null;
    }
    Path file = Path.of(value);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          path + "." + key + ": \"" + value + "\" (expected: an existing file; there is none)");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(
          path + "." + key + ": \"" + value + "\" (expected: a readable file; cannot read it)");
    }
    return file;
  }
}
