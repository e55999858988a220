package io.meshwork.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code deploy/make-secrets.sh}, run for real (it needs bash and openssl), and the Kubernetes
 * Secrets it writes, decoded.
 */
public final class SecretsScript {
  public static final Path SCRIPT = DeployFiles.DEPLOY.resolve("make-secrets.sh");

  private SecretsScript() {}

  /** What one run printed and how it ended. */
  public record Run(int exitCode, String output) {}

  /** Runs the script with {@code args}; its exit code and combined output. */
  public static Run run(String... args) {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("make-secrets.sh still runs after 120 s: " + output);
      }
      return new Run(p.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs the script into {@code out}; fails with its output unless it exits 0. */
  public static String make(Path out, String... options) {
    List<String> args = new ArrayList<>(List.of(options));
    args.add(out.toString());
    Run run = run(args.toArray(String[]::new));
    if (run.exitCode() != 0) {
      throw new AssertionError("make-secrets.sh exited " + run.exitCode() + ": " + run.output());
    }
    return run.output();
  }

  /** {@code out/k8s-secrets.yaml}: Secret name to its keys and decoded values. */
  public static Map<String, Map<String, byte[]>> k8sSecrets(Path out) {
    Map<String, Map<String, byte[]>> secrets = new LinkedHashMap<>();
    for (Map<String, Object> doc : DeployFiles.yamlDocuments(out.resolve("k8s-secrets.yaml"))) {
      if (!"Secret".equals(doc.get("kind"))) {
        throw new AssertionError("k8s-secrets.yaml: a " + doc.get("kind") + " (expected: Secret)");
      }
      Map<String, byte[]> data = new LinkedHashMap<>();
      DeployFiles.map(DeployFiles.at(doc, "data"), "data")
          .forEach((k, v) -> data.put(k, Base64.getDecoder().decode((String) v)));
      secrets.put((String) DeployFiles.at(doc, "metadata", "name"), data);
    }
    return secrets;
  }

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
