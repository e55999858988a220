package io.meshwork.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.meshwork.node.tls.TlsContexts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps {@code meshwork.cluster-tls} onto Pekko's Artery settings: {@code transport = tls-tcp} with
 * mutual authentication, PEM files through {@code RotatingKeysSSLEngineProvider} or PKCS12 stores
 * through {@code ConfigSSLEngineProvider}. The key material is loaded once here, so that a node
 * whose files cannot be used refuses to start with a message naming the setting.
 */
final class ClusterTls {
  static final String PATH = "meshwork.cluster-tls";
  private static final String SSL = "pekko.remote.artery.ssl.";

  /** TLS 1.3's suites, and for TLSv1.2 the ECDHE AES-GCM ones (RSA or ECDSA keys). */
  private static final List<String> TLS13_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");

  private static final List<String> TLS12_SUITES =
      List.of(
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");

  private ClusterTls() {}

  /** {@code merged} with the Artery TLS settings when cluster TLS is on; unchanged otherwise. */
  static Config apply(Config merged) {
    TlsSettings tls = TlsSettings.fromConfig(PATH, merged.getConfig(PATH), true);
    if (!tls.enabled()) {
      return merged;
    }
    TlsContexts.create(tls); // loads and checks every file now, before anything starts
    String protocol = tls.protocols().get(0);
    List<String> suites = protocol.equals("TLSv1.3") ? TLS13_SUITES : TLS12_SUITES;
    Map<String, Object> pekko = new HashMap<>();
    pekko.put("pekko.remote.artery.transport", "tls-tcp");
    if (tls.pemKey()) {
      if (tls.caFile() == null) {
        throw new IllegalArgumentException(
            PATH + ": cert-file and key-file need ca-file (PEM), not trust-store");
      }
      String engine = SSL + "rotating-keys-engine.";
      pekko.put(
          SSL + "ssl-engine-provider",
          "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider");
      pekko.put(engine + "key-file", tls.keyFile().toAbsolutePath().toString());
      pekko.put(engine + "cert-file", tls.certFile().toAbsolutePath().toString());
      pekko.put(engine + "ca-cert-file", tls.caFile().toAbsolutePath().toString());
      pekko.put(engine + "protocol", protocol);
      pekko.put(engine + "enabled-algorithms", suites);
    } else {
      if (tls.trustStore() == null) {
        throw new IllegalArgumentException(
            PATH + ": key-store needs trust-store (PKCS12), not ca-file");
      }
      String engine = SSL + "config-ssl-engine.";
      pekko.put(
          SSL + "ssl-engine-provider", "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
      pekko.put(engine + "key-store", tls.keyStore().toAbsolutePath().toString());
      pekko.put(engine + "key-store-password", tls.keyStorePassword());
      pekko.put(engine + "key-password", tls.keyStorePassword());
      pekko.put(engine + "trust-store", tls.trustStore().toAbsolutePath().toString());
      pekko.put(engine + "trust-store-password", tls.trustStorePassword());
      pekko.put(engine + "protocol", protocol);
      pekko.put(engine + "enabled-algorithms", suites);
      pekko.put(engine + "require-mutual-authentication", true);
    }
    Config mapped = ConfigFactory.empty();
    for (Map.Entry<String, Object> e : pekko.entrySet()) {
      mapped = mapped.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return mapped.withFallback(merged);
  }
}
