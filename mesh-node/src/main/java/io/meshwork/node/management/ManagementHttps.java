package io.meshwork.node.management;

import io.meshwork.node.config.ManagementSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * How the node starts Pekko Management: read-only unless {@code allow-mutations}, and HTTPS from
 * a PKCS#12 key store when one is configured (Pekko Management takes HTTPS only in code, through
 * {@code withHttpsConnectionContext}).
 */
public final class ManagementHttps {
  private ManagementHttps() {}

  /** The settings transformation for {@code PekkoManagement.start}. */
  public static ManagementRouteProviderSettings configure(
      ManagementRouteProviderSettings settings, ManagementSettings management) {
    ManagementRouteProviderSettings s = settings.withReadOnly(!management.allowMutations());
    if (management.keyStore().isPresent()) {
      s = s.withHttpsConnectionContext(ConnectionContext.httpsServer(sslContext(management)));
    }
    return s;
  }

  /** The server TLS context from the key store; fails naming the key when it cannot be used. */
  public static SSLContext sslContext(ManagementSettings management) {
    String path = management.keyStore().orElseThrow();
    char[] password = management.keyStorePassword().toCharArray();
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(in, password);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "meshwork.management.https.key-store: \""
              + path
              + "\" cannot be used (expected: a PKCS#12 key store with the server's key and"
              + " certificate, and its key-store-password): "
              + e.getMessage(),
          e);
    }
  }
}
