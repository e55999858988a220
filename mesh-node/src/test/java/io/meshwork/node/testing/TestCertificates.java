package io.meshwork.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Certificates made at test time with {@code openssl} (and {@code keytool} for a Java trust store)
 * in a temporary directory, deleted by {@link #close()}: private keys never enter the repository.
 * A CA signs each certificate; every node certificate names {@code meshwork-node}, {@code
 * localhost} and {@code 127.0.0.1} (DNS and IP subject alternative names), the common name Pekko's
 * RotatingKeysSSLEngineProvider checks between nodes.
 */
public final class TestCertificates implements AutoCloseable {
  public static final String PASSWORD = "test-secret";

  private final Path dir;

  public TestCertificates() {
    try {
      dir = Files.createTempDirectory("meshwork-tls-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One party's files: PEM certificate, PEM PKCS#8 key, and the same in a PKCS12 store. */
  public record Party(Path cert, Path key, Path pkcs12) {}

  /** A CA: its PEM certificate, and a PKCS12 trust store holding it. */
  public record Authority(String name, Path cert, Path key, Path trustStore) {}

  /** A self-signed CA named {@code name}. */
  public Authority authority(String name) {
    Path cert = dir.resolve(name + "-ca.crt");
    Path key = dir.resolve(name + "-ca.key");
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=Meshwork test CA " + name, "-keyout", key.toString(), "-out", cert.toString(),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    Path trust = dir.resolve(name + "-trust.p12");
    run("keytool", "-importcert", "-noprompt", "-storetype", "PKCS12", "-alias", "ca",
        "-file", cert.toString(), "-keystore", trust.toString(), "-storepass", PASSWORD);
    return new Authority(name, cert, key, trust);
  }

  /** A node certificate (server and client use) signed by {@code ca}. */
  public Party node(Authority ca, String name) {
    return signed(ca, name, "meshwork-node",
        "subjectAltName=DNS:meshwork-node,DNS:localhost,IP:127.0.0.1");
  }

  /** A client certificate signed by {@code ca}. */
  public Party client(Authority ca, String name) {
    return signed(ca, name, name, "subjectAltName=DNS:" + name);
  }

  private Party signed(Authority ca, String name, String commonName, String san) {
    String base = ca.name() + "-" + name;
    Path key = dir.resolve(base + ".key");
    Path csr = dir.resolve(base + ".csr");
    Path cert = dir.resolve(base + ".crt");
    Path ext = dir.resolve(base + ".ext");
    Path p12 = dir.resolve(base + ".p12");
    try {
      Files.writeString(ext, san + "\nbasicConstraints=CA:FALSE\n"
          + "keyUsage=critical,digitalSignature,keyEncipherment\n"
          + "extendedKeyUsage=serverAuth,clientAuth\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + commonName,
        "-keyout", key.toString(), "-out", csr.toString());
    run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(),
        "-CAkey", ca.key().toString(), "-set_serial", Long.toString(System.nanoTime()),
        "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
    run("openssl", "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(),
        "-name", "node", "-out", p12.toString(), "-passout", "pass:" + PASSWORD);
    return new Party(cert, key, p12);
  }

  public Path dir() {
    return dir;
  }

  private void run(String... command) {
    List<String> cmd = new ArrayList<>(List.of(command));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("tool.log").toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            cmd + " exited " + p.exitValue() + ": " + Files.readString(dir.resolve("tool.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
