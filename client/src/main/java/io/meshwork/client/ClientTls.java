package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to the nodes: set with {@link MeshClientOptions.Builder#tls(ClientTls)}. Every connection,
 * including each stream's own, then speaks TLS 1.3 or 1.2 and verifies the node's certificate
 * with {@code context}'s trust, and by default that the certificate names the host the client
 * connects to (as HTTPS does; an IP address must be in its IP subject alternative names).
 *
 * <pre>{@code
 * MeshClientOptions options = MeshClientOptions.builder()
 *     .tls(ClientTls.fromPem(Path.of("ca.crt"), null, null))   // trust the cluster's CA
 *     .build();
 * }</pre>
 *
 * @param context the client's {@link SSLContext}: its trust managers verify the node, its key
 *     managers (if any) give the client certificate a node with {@code client-auth = need} asks for
 * @param serverName the name the node's certificate must carry, and the SNI name sent; null: the
 *     host of the address the client connects to
 * @param verifyHostname whether the certificate must carry that name (on by default); off still
 *     verifies that a trusted CA signed it
 */
public record ClientTls(SSLContext context, String serverName, boolean verifyHostname) {

  private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public ClientTls {
    requireNonNull(context, "context");
  }

  /** TLS with {@code context}, verifying that the certificate names the host connected to. */
  public static ClientTls of(SSLContext context) {
    return new ClientTls(context, null, true);
  }

  /**
   * TLS trusting the CA certificates of the PEM file {@code caFile}, with a client certificate when
   * {@code certFile} (PEM chain, leaf first) and {@code keyFile} (unencrypted PKCS#8 PEM, "BEGIN
   * PRIVATE KEY") are both given; both null: no client certificate.
   *
   * @throws IllegalArgumentException naming the file that cannot be read or parsed
   */
  public static ClientTls fromPem(Path caFile, Path certFile, Path keyFile) {
    requireNonNull(caFile, "caFile");
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "certFile and keyFile: " + certFile + ", " + keyFile + " (expected: both or neither)");
    }
    try {
      KeyStore trust = emptyStore();
      int i = 0;
      for (Certificate ca : certificates(caFile)) {
        trust.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (certFile != null) {
        List<Certificate> chain = certificates(certFile);
        KeyStore keys = emptyStore();
        keys.setKeyEntry("client", privateKey(keyFile, chain.get(0)), new char[0],
            chain.toArray(Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return of(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** The same, expecting {@code name} in the node's certificate (and sending it as SNI). */
  public ClientTls withServerName(String name) {
    return new ClientTls(context, requireNonNull(name, "name"), verifyHostname);
  }

  /** The same, without checking the name in the node's certificate; its CA is still verified. */
  public ClientTls withoutHostnameVerification() {
    return new ClientTls(context, serverName, false);
  }

  /**
   * Runs the TLS handshake over the connected {@code plain} socket, bounded by {@code timeout};
   * returns the TLS socket (closing it closes {@code plain}).
   *
   * @throws SSLHandshakeException "TLS handshake failed: ..." with the JDK's reason
   */
  Socket handshake(Socket plain, InetSocketAddress node, Duration timeout) throws IOException {
    String name = serverName != null ? serverName : node.getHostString();
    SSLSocket tls =
        (SSLSocket) context.getSocketFactory().createSocket(plain, name, node.getPort(), true);
    SSLParameters parameters = tls.getSSLParameters();
    List<String> supported = Arrays.asList(tls.getSupportedProtocols());
    parameters.setProtocols(
        PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new));
    if (verifyHostname) {
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
    }
    tls.setSSLParameters(parameters);
    int before = plain.getSoTimeout();
    tls.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    try {
      tls.startHandshake();
    } catch (SSLException e) {
      SSLHandshakeException failure =
          new SSLHandshakeException("TLS handshake failed: " + Connection.describe(e));
      failure.initCause(e);
      throw failure;
    }
    tls.setSoTimeout(before);
    return tls;
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return store;
  }

  private static List<Certificate> certificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<Certificate> certs =
          new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(file + ": no PEM certificate in it");
      }
      return certs;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(file + ": cannot read PEM certificates: " + e.getMessage(), e);
    }
  }

  /** An unencrypted PKCS#8 PEM key of the certificate's key algorithm (RSA, EC, Ed25519...). */
  private static PrivateKey privateKey(Path file, Certificate cert) {
    try {
      String pem = Files.readString(file, StandardCharsets.US_ASCII);
      int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = pem.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        throw new IllegalArgumentException(
            file + ": no \"BEGIN PRIVATE KEY\" block (expected: an unencrypted PKCS#8 PEM key)");
      }
      String body = pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end);
      byte[] der = Base64.getMimeDecoder().decode(body);
      return KeyFactory.getInstance(cert.getPublicKey().getAlgorithm())
          .generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(file + ": cannot read the private key: " + e.getMessage(), e);
    }
  }
}
