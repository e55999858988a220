package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.Config;
import io.meshwork.node.config.AuthSettings;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.testing.DeployFiles;
import io.meshwork.node.testing.SecretsScript;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemd recipe in {@code deploy/systemd}: the unit's settings and the example environment. */
class SystemdRecipeTest {
  private static final Path SYSTEMD = DeployFiles.DEPLOY.resolve("systemd");
  private final String unit = DeployFiles.read(SYSTEMD.resolve("meshwork-node.service"));
  private final String envFile = DeployFiles.read(SYSTEMD.resolve("node.env"));

  /** Every Key=value of the unit's [Service] section; repeated keys keep the last value. */
  private Map<String, String> service() {
    Map<String, String> service = new LinkedHashMap<>();
    String section = "";
    for (String line : unit.split("\n")) {
      String t = line.trim();
      if (t.startsWith("[")) {
        section = t;
      } else if (section.equals("[Service]") && !t.isEmpty() && !t.startsWith("#")) {
        int eq = t.indexOf('=');
        service.put(t.substring(0, eq), t.substring(eq + 1));
      }
    }
    return service;
  }

  /** The example file's active settings (uncommented lines). */
  private Map<String, String> activeEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : envFile.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }

  @Test
  void theUnitRunsTheLauncherAsItsOwnUserAndStopsGracefully() {
    Map<String, String> s = service();
    assertThat(s)
        .containsEntry("User", "meshwork")
        .containsEntry("EnvironmentFile", "/etc/meshwork/node.env")
        .containsEntry("ExecStart", "/opt/meshwork/bin/mesh-node")
        .containsEntry("KillSignal", "SIGTERM")
        .containsEntry("SuccessExitStatus", "143")
        .containsEntry("Restart", "on-failure")
        .containsEntry("NoNewPrivileges", "yes")
        .containsEntry("ProtectSystem", "strict")
        .containsKey("LimitNOFILE");
    assertThat(s.get("Type")).isIn("simple", "exec");
    Duration stop = Duration.ofSeconds(Long.parseLong(s.get("TimeoutStopSec")));
    assertThat(stop).isGreaterThan(DeployFiles.gracefulShutdownBound());
    // The kv store is written under a path the sandbox leaves writable.
    String kvDir = activeEnv().get("MESH_KV_DIR");
    assertThat(kvDir).startsWith(s.get("ReadWritePaths") + "/");
    assertThat(s.get("ReadWritePaths")).isEqualTo("/var/lib/" + s.get("StateDirectory"));
  }

  /**
   * The example's settings with make-secrets.sh's files installed as deploy/README.md installs
   * them: each /etc/meshwork path gets the script's file of the same name, under {@code root}.
   */
  private Config nodeConfigWithTheScriptsFiles(Path root) throws IOException {
    Path secrets = root.resolve("made");
    SecretsScript.make(secrets);
    Map<String, Object> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : activeEnv().entrySet()) {
      String value = e.getValue();
      if (value.startsWith("/etc/meshwork/")) {
        Path installed = root.resolve(value.substring(1));
        Path made = secrets.resolve(installed.getFileName());
        assertThat(made).as(e.getKey() + ": a file make-secrets.sh makes").exists();
        Files.createDirectories(installed.getParent());
        Files.copy(made, installed);
        value = installed.toString();
      }
      env.put(e.getKey(), value);
    }
    return NodeConfig.load(ConfigFactory.parseMap(env), true);
  }

  @Test
  void theExampleFailsClosedWithAuthClusterTlsAndNamedServices(@TempDir Path root) throws IOException {
    Map<String, String> env = activeEnv();
    assertThat(env)
        .containsEntry("MESH_AUTH", "on")
        .containsEntry("MESH_CLUSTER_TLS", "on")
        .doesNotContainKey("MESH_PROTECTED_MODE")
        .doesNotContainKey("MESH_MANAGEMENT_HOST")
        .doesNotContainKey("MESH_MANAGEMENT_ALLOW_MUTATIONS");
    assertThat(env.get("MESH_HOST")).isNotIn("0.0.0.0", "::");
    Config config = nodeConfigWithTheScriptsFiles(root); // loads the TLS files, key against cert
    AuthSettings auth = AuthSettings.fromConfig(config);
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.clients()).isNotEmpty();
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(config.getString("meshwork.management.host")).isEqualTo("127.0.0.1");
    assertThat(NodeSettings.fromConfig(config).hostedServices()).isNotEmpty().doesNotContainKey("conformance");
  }

  @Test
  void theExampleEnvironmentNamesEveryMeshVariableAndConfiguresAValidNode(@TempDir Path root)
      throws IOException {
    Matcher m = Pattern.compile("\\$\\{\\?(MESH_[A-Z0-9_]+)}").matcher(read("meshwork-env.conf"));
    TreeSet<String> variables = new TreeSet<>();
    while (m.find()) {
      variables.add(m.group(1));
    }
    assertThat(variables).contains("MESH_HOST", "MESH_DISCOVERY", "MESH_KV_DIR");
    for (String variable : variables) {
      assertThat(envFile).as("node.env documents " + variable).containsPattern("(?m)^#?" + variable + "=");
    }
    NodeSettings settings = NodeSettings.fromConfig(nodeConfigWithTheScriptsFiles(root));
    assertThat(settings.seedNodes()).hasSize(3);
  }

  @Test
  void systemdAnalyzeVerifiesTheUnit(@TempDir Path dir) throws Exception {
    File analyze = new File("/usr/bin/systemd-analyze");
    assumeThat(analyze.canExecute()).as("systemd-analyze is not installed: unit not verified").isTrue();
    // verify checks that ExecStart exists: point it at the launcher in this repository.
    Path launcher = Path.of("bin", "mesh-node").toAbsolutePath().normalize();
    Path copy = dir.resolve("meshwork-node.service");
    Files.writeString(
        copy, unit.replace("ExecStart=/opt/meshwork/bin/mesh-node", "ExecStart=" + launcher));
    Process p =
        new ProcessBuilder(analyze.getPath(), "verify", copy.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
    List<String> aboutTheUnit = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.contains("meshwork-node.service")) {
        aboutTheUnit.add(line);
      }
    }
    assertThat(aboutTheUnit).as("systemd-analyze verify: " + output).isEmpty();
    assertThat(p.exitValue()).as("systemd-analyze verify: " + output).isZero();
  }

  private static String read(String resource) {
    try (var in = SystemdRecipeTest.class.getClassLoader().getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
