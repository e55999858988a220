package io.meshwork.node.tls;

import io.meshwork.node.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.pki.pem.DERPrivateKeyLoader;
import org.apache.pekko.pki.pem.PEMDecoder;

/**
 * Builds the {@link SSLContext} of a {@link TlsSettings} from PEM files or PKCS12 stores, and the
 * server engines of the client endpoint. Every failure is an {@link IllegalArgumentException}
 * naming the setting and the file, so that a node with unusable key material refuses to start.
 */
public final class TlsContexts {
  private static final char[] NO_PASSWORD = new char[0];

  private TlsContexts() {}

  /** The context of enabled {@code settings}: their key, and their trust if any (else the JDK's). */
  public static SSLContext create(TlsSettings settings) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException(settings.path() + ": TLS is not enabled");
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers(settings), trustManagers(settings), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(settings.path() + ": cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** A server-side engine with the settings' protocols and client authentication. */
  public static SSLEngine serverEngine(SSLContext context, TlsSettings settings) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setEnabledProtocols(settings.protocols().toArray(String[]::new));
    switch (settings.clientAuth()) {
      case NEED -> engine.setNeedClientAuth(true);
      case WANT -> engine.setWantClientAuth(true);
      case NONE -> engine.setNeedClientAuth(false);
    }
    return engine;
  }

  private static KeyManager[] keyManagers(TlsSettings s) throws GeneralSecurityException {
    KeyStore store;
    char[] password;
    if (s.pemKey()) {
      List<X509Certificate> chain = certificates(s.path() + ".cert-file", s.certFile());
      PrivateKey key = privateKey(s.path() + ".key-file", s.keyFile());
      checkPair(s, key, chain.get(0));
      password = NO_PASSWORD;
      store = KeyStore.getInstance("PKCS12");
      try {
        store.load(null, null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      store.setKeyEntry("node", key, password, chain.toArray(Certificate[]::new));
    } else {
      password = s.keyStorePassword().toCharArray();
      store = pkcs12(s.path() + ".key-store", s.keyStore(), password);
      if (!hasKey(store)) {
        throw new IllegalArgumentException(
            s.path() + ".key-store: \"" + s.keyStore() + "\" (expected: a private key entry; it has none)");
      }
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    return kmf.getKeyManagers();
  }

  /** Signs with the key and verifies with the certificate: a wrong or broken key fails here. */
  private static void checkPair(TlsSettings s, PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (cert.getPublicKey().getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> cert.getPublicKey().getAlgorithm();
          default -> null; // no check for other key types: the handshake will tell
        };
    if (algorithm == null) {
      return;
    }
    boolean matches;
    try {
      byte[] probe = "meshwork key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          s.path()
              + ".key-file: \""
              + s.keyFile()
              + "\" (expected: an unencrypted PKCS#8 or PKCS#1 PEM private key): cannot use it: "
              + e,
          e);
    }
    if (!matches) {
      throw new IllegalArgumentException(
          s.path()
              + ".key-file: \""
              + s.keyFile()
              + "\" (expected: the private key of the first certificate of cert-file \""
              + s.certFile()
              + "\"; it is another key)");
    }
  }

  /** Null (the JDK's default trust) when the settings name neither a CA file nor a trust store. */
  private static TrustManager[] trustManagers(TlsSettings s) throws GeneralSecurityException {
    KeyStore store;
    if (s.caFile() != null) {
      store = KeyStore.getInstance("PKCS12");
      try {
        store.load(null, null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      int i = 0;
      for (X509Certificate ca : certificates(s.path() + ".ca-file", s.caFile())) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
    } else if (s.trustStore() != null) {
      store = pkcs12(s.path() + ".trust-store", s.trustStore(), s.trustStorePassword().toCharArray());
      if (store.size() == 0) {
        throw new IllegalArgumentException(
            s.path() + ".trust-store: \"" + s.trustStore() + "\" (expected: certificates; it is empty)");
      }
    } else {
      return null;
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }

  /** Every certificate of a PEM file, in order; at least one. */
  static List<X509Certificate> certificates(String setting, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certs = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certs.add((X509Certificate) c);
      }
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(
            setting + ": \"" + file + "\" (expected: PEM certificates; found none)");
      }
      return Collections.unmodifiableList(certs);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          setting + ": \"" + file + "\" (expected: PEM certificates): " + e.getMessage(), e);
    }
  }

  /** The private key of a PEM file: PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). */
  static PrivateKey privateKey(String setting, Path file) {
    try {
      String pem = Files.readString(file, StandardCharsets.US_ASCII);
      return DERPrivateKeyLoader.load(PEMDecoder.decode(pem));
    } catch (Exception e) { // Scala code: may throw checked exceptions it does not declare
      throw new IllegalArgumentException(
          setting
              + ": \""
              + file
              + "\" (expected: an unencrypted PKCS#8 or PKCS#1 PEM private key): "
              + e.getMessage(),
          e);
    }
  }

  private static KeyStore pkcs12(String setting, Path file, char[] password) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          setting + ": \"" + file + "\" (expected: a PKCS12 store that opens with its password): "
              + e.getMessage(),
          e);
    }
  }

  private static boolean hasKey(KeyStore store) throws GeneralSecurityException {
    for (String alias : Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        return true;
      }
    }
    return false;
  }
}
