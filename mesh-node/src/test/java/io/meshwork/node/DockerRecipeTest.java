package io.meshwork.node;

import static io.meshwork.node.testing.DeployFiles.at;
import static io.meshwork.node.testing.DeployFiles.list;
import static io.meshwork.node.testing.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.AuthSettings;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.testing.DeployFiles;
import io.meshwork.node.testing.SecretsScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container recipe in {@code deploy/docker}, checked without a Docker engine: the Dockerfile's
 * expected instructions by their text, and the compose file parsed as YAML.
 */
class DockerRecipeTest {
  private static final Path DOCKER = DeployFiles.DEPLOY.resolve("docker");
  private static final Path ROOT = Path.of("..");
  private final String dockerfile = DeployFiles.read(DOCKER.resolve("Dockerfile"));

  private List<String> instructions(String name) {
    List<String> found = new ArrayList<>();
    // Continuation lines joined, comments dropped.
    String joined = dockerfile.replaceAll("\\\\\\n", " ");
    for (String line : joined.split("\n")) {
      String t = line.trim();
      if (t.regionMatches(true, 0, name + " ", 0, name.length() + 1)) {
        found.add(t.substring(name.length()).trim());
      }
    }
    return found;
  }

  @Test
  void dockerfileBuildsWithMavenAndRunsOnAJreAsANonRootUser() {
    List<String> from = instructions("FROM");
    assertThat(from).hasSize(2);
    assertThat(from.get(0)).startsWith("maven:").endsWith("AS build");
    assertThat(from.get(1)).contains("-jre");
    assertThat(instructions("RUN")).anyMatch(r -> r.contains("mvn ") && r.contains("-pl mesh-node -am"));
    List<String> users = instructions("USER");
    assertThat(users).hasSize(1);
    String user = users.get(0).split(":")[0];
    assertThat(user).isNotIn("root", "0");
    assertThat(dockerfile).contains("useradd").contains(user);
    assertThat(String.join(" ", instructions("ENV"))).contains("-XX:MaxRAMPercentage=");
    assertThat(instructions("ENTRYPOINT")).singleElement().asString().startsWith("[\"");
  }

  @Test
  void dockerfileExposesTheNodesDefaultPortsAndChecksReadiness() {
    NodeSettings defaults = NodeSettings.fromConfig(DeployFiles.nodeDefaults());
    Set<String> exposed = new HashSet<>();
    instructions("EXPOSE").forEach(e -> exposed.addAll(List.of(e.split("\\s+"))));
    assertThat(exposed)
        .containsExactlyInAnyOrder(
            Integer.toString(defaults.endpoint().port()),
            Integer.toString(defaults.clusterPort()),
            Integer.toString(defaults.managementPort()));
    List<String> healthchecks = instructions("HEALTHCHECK");
    assertThat(healthchecks).singleElement().asString().contains("healthcheck.sh");
    assertThat(DeployFiles.read(DOCKER.resolve("healthcheck.sh"))).contains("GET /ready");
  }

  @Test
  void everyFileTheDockerfileCopiesExists() {
    Pattern copy = Pattern.compile("^COPY\\s+(?!--from)(.*)$", Pattern.MULTILINE);
    Matcher m = copy.matcher(dockerfile);
    int copies = 0;
    while (m.find()) {
      List<String> args = new ArrayList<>(List.of(m.group(1).trim().split("\\s+")));
      args.removeIf(a -> a.startsWith("--"));
      for (String source : args.subList(0, args.size() - 1)) {
        assertThat(ROOT.resolve(source)).as("COPY source").exists();
        copies++;
      }
    }
    assertThat(copies).isGreaterThan(3);
    for (String script : List.of("docker-entrypoint.sh", "healthcheck.sh")) {
      assertThat(Files.isExecutable(DOCKER.resolve(script))).as(script + " executable").isTrue();
    }
    assertThat(DOCKER.resolve("Dockerfile.dockerignore")).exists();
    assertThat(DeployFiles.read(DOCKER.resolve("Dockerfile.dockerignore"))).contains("**/target/");
  }

  @Test
  void composeRunsThreeNodesThatSeedEachOtherAndStopGracefully() {
    List<Map<String, Object>> docs = DeployFiles.yamlDocuments(DOCKER.resolve("compose.yaml"));
    assertThat(docs).hasSize(1);
    Map<String, Object> services = map(at(docs.get(0), "services"), "services");
    assertThat(services).hasSize(3);
    Duration bound = DeployFiles.gracefulShutdownBound();
    Set<String> hostPorts = new HashSet<>();
    for (Map.Entry<String, Object> e : services.entrySet()) {
      String name = e.getKey();
      Map<String, Object> service = map(e.getValue(), name);
      assertThat(at(service, "build", "dockerfile")).isEqualTo("deploy/docker/Dockerfile");
      assertThat(DOCKER.resolve((String) at(service, "build", "context")).resolve("deploy/docker/Dockerfile"))
          .exists();
      String grace = (String) service.get("stop_grace_period");
      assertThat(grace).as(name + " stop_grace_period").matches("\\d+s");
      assertThat(Duration.ofSeconds(Long.parseLong(grace.replace("s", "")))).isGreaterThan(bound);
      Map<String, Object> env = map(service.get("environment"), name + " environment");
      assertThat(env).containsEntry("MESH_HOST", name);
      List<String> seeds = List.of(((String) env.get("MESH_SEED_NODES")).split(","));
      assertThat(seeds).containsExactlyInAnyOrderElementsOf(services.keySet().stream().map(s -> s + ":2550").toList());
      boolean clientPublished = false;
      for (Object p : list(service.get("ports"), name + " ports")) {
        String[] parts = ((String) p).split(":");
        String hostPort = parts[parts.length - 2];
        assertThat(hostPorts.add(hostPort)).as("host port %s published once", hostPort).isTrue();
        clientPublished |= parts[parts.length - 1].equals("7700");
      }
      assertThat(clientPublished).as(name + " publishes its client port").isTrue();
    }
  }

  private static Map<String, Object> composeServices() {
    List<Map<String, Object>> docs = DeployFiles.yamlDocuments(DOCKER.resolve("compose.yaml"));
    return map(at(docs.get(0), "services"), "services");
  }

  @Test
  void composePublishesEveryPortOnLoopbackOnlyAndNeverTheClusterPort() {
    for (Map.Entry<String, Object> e : composeServices().entrySet()) {
      for (Object p : list(map(e.getValue(), e.getKey()).get("ports"), e.getKey() + " ports")) {
        String port = (String) p;
        assertThat(port).as(e.getKey() + " port " + port).startsWith("127.0.0.1:");
        assertThat(port).doesNotEndWith(":2550");
      }
    }
  }

  @Test
  void composeTurnsAuthOnWithTheScriptsClientsFileMountedSoThatItMustExist(@TempDir Path dir) {
    Path secrets = dir.resolve("secrets");
    SecretsScript.make(secrets);
    for (Map.Entry<String, Object> e : composeServices().entrySet()) {
      String name = e.getKey();
      Map<String, Object> service = map(e.getValue(), name);
      Map<String, Object> env = map(service.get("environment"), name + " environment");
      assertThat(env).containsEntry("MESH_AUTH", "on");
      String authFile = (String) env.get("MESH_AUTH_FILE");
      Map<String, Object> bind = null;
      for (Object v : list(service.get("volumes"), name + " volumes")) {
        if (v instanceof Map<?, ?> && authFile.equals(((Map<?, ?>) v).get("target"))) {
          bind = map(v, name + " clients bind");
        }
      }
      assertThat(bind).as(name + " mounts " + authFile).isNotNull();
      assertThat(bind).containsEntry("type", "bind").containsEntry("read_only", true);
      // Not created on demand: a missing file stops `up` instead of mounting an empty directory.
      assertThat(map(bind.get("bind"), "bind")).containsEntry("create_host_path", false);
      String source = (String) bind.get("source");
      assertThat(source).isEqualTo("./secrets/clients.conf");
      // The file the script makes there is one the node accepts with auth on.
      Path made = secrets.resolve(Path.of(source).getFileName());
      AuthSettings auth =
          AuthSettings.fromConfig(
              NodeConfig.load(
                  ConfigFactory.parseMap(
                      Map.of("MESH_AUTH", "on", "MESH_AUTH_FILE", made.toString())),
                  true));
      assertThat(auth.enabled()).isTrue();
      assertThat(auth.clients()).isNotEmpty();
    }
    // The secrets directory stays out of git and out of the image's build context.
    assertThat(DeployFiles.read(ROOT.resolve(".gitignore"))).contains("/deploy/docker/secrets/");
    assertThat(DeployFiles.read(DOCKER.resolve("Dockerfile.dockerignore")))
        .contains("deploy/docker/secrets/");
  }

  @Test
  void composeNamesWhatEachNodeHostsAndNeverConformance() {
    Set<String> known = DeployFiles.nodeDefaults().getConfig("meshwork.service-classes").root().keySet();
    for (Map.Entry<String, Object> e : composeServices().entrySet()) {
      Map<String, Object> env = map(map(e.getValue(), e.getKey()).get("environment"), "environment");
      String services = (String) env.get("MESH_SERVICES");
      assertThat(services).as(e.getKey() + " MESH_SERVICES").isNotBlank();
      List<String> names = List.of(services.split(","));
      assertThat(names).doesNotContain("conformance", "all");
      if (!services.equals("none")) {
        assertThat(known).containsAll(names);
      }
    }
  }
}
