package io.meshwork.node;

import static io.meshwork.node.testing.DeployFiles.at;
import static io.meshwork.node.testing.DeployFiles.list;
import static io.meshwork.node.testing.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.AuthSettings;
import io.meshwork.node.config.DiscoverySettings;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.testing.DeployFiles;
import io.meshwork.node.testing.SecretsScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests in {@code deploy/k8s}: every document well-formed, the labels, selectors
 * and port names agreeing with each other and with the node's discovery settings, a grace period
 * longer than the node's graceful shutdown, and the fail-closed settings: client auth and cluster
 * TLS from the Secrets that {@code deploy/make-secrets.sh} makes (run here, its files mounted
 * where the Deployment mounts them and loaded by the node's own config), a NetworkPolicy per port,
 * and no {@code conformance}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployManifestsTest {
  private static final Path K8S = DeployFiles.DEPLOY.resolve("k8s");
  private final Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
  private final List<Path> files = new ArrayList<>();
  private Map<String, Object> kustomization;
  /** The script's Secrets, and where the pod would see them (under {@code mounts}). */
  private Map<String, Map<String, byte[]>> secrets;
  private Path mounts;

  @BeforeAll
  void readEveryDocumentAndMountTheScriptsSecrets(@TempDir Path dir) throws IOException {
    try (Stream<Path> paths = Files.list(K8S)) {
      paths.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
    }
    for (Path file : files) {
      for (Map<String, Object> doc : DeployFiles.yamlDocuments(file)) {
        String kind = (String) at(doc, "kind");
        if (kind.equals("Kustomization")) {
          kustomization = doc;
          continue;
        }
        assertThat(byKind).as("one %s", kind).doesNotContainKey(kind);
        byKind.put(kind, doc);
      }
    }
    Path out = dir.resolve("secrets");
    SecretsScript.make(out);
    secrets = SecretsScript.k8sSecrets(out);
    mounts = dir.resolve("pod");
    mountSecretVolumes();
  }

  /**
   * Writes each secret volume's items where the container mounts it, under {@link #mounts}, as
   * the kubelet would; fails on a Secret or key the script does not make.
   */
  private void mountSecretVolumes() throws IOException {
    Map<String, String> mountPaths = new HashMap<>();
    for (Object o : list(container().get("volumeMounts"), "volumeMounts")) {
      Map<String, Object> m = map(o, "volumeMount");
      mountPaths.put((String) m.get("name"), (String) m.get("mountPath"));
    }
    for (Map.Entry<String, Map<String, Object>> volume : secretVolumes().entrySet()) {
      String name = (String) volume.getValue().get("secretName");
      assertThat(secrets).as("Secrets made by make-secrets.sh").containsKey(name);
      assertThat(mountPaths).as("volume %s is mounted", volume.getKey()).containsKey(volume.getKey());
      Path target = mounts.resolve(mountPaths.get(volume.getKey()).substring(1));
      Files.createDirectories(target);
      for (Object o : list(volume.getValue().get("items"), volume.getKey() + " items")) {
        Map<String, Object> item = map(o, "item");
        String key = (String) item.get("key");
        assertThat(secrets.get(name)).as("keys of Secret " + name).containsKey(key);
        Files.write(target.resolve((String) item.get("path")), secrets.get(name).get(key));
      }
    }
  }

  /** The pod's secret volumes by name: their {@code secret} entries. */
  private Map<String, Map<String, Object>> secretVolumes() {
    Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
    for (Object o : list(podSpec().get("volumes"), "volumes")) {
      Map<String, Object> v = map(o, "volume");
      if (v.containsKey("secret")) {
        volumes.put((String) v.get("name"), map(v.get("secret"), "secret volume"));
      }
    }
    return volumes;
  }

  private Map<String, Object> doc(String kind) {
    assertThat(byKind).as("manifests in " + K8S).containsKey(kind);
    return byKind.get(kind);
  }

  private Map<String, Object> podSpec() {
    return map(at(doc("Deployment"), "spec", "template", "spec"), "pod spec");
  }

  private Map<String, Object> container() {
    List<Object> containers = list(podSpec().get("containers"), "containers");
    assertThat(containers).hasSize(1);
    return map(containers.get(0), "container");
  }

  /** The container's plain env values; fieldRef values as "fieldRef:<path>". */
  private Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object o : list(container().get("env"), "env")) {
      Map<String, Object> e = map(o, "env entry");
      String name = (String) e.get("name");
      if (e.containsKey("value")) {
        env.put(name, String.valueOf(e.get("value")));
      } else {
        env.put(name, "fieldRef:" + at(e, "valueFrom", "fieldRef", "fieldPath"));
      }
    }
    return env;
  }

  private Map<String, Integer> containerPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object o : list(container().get("ports"), "ports")) {
      Map<String, Object> p = map(o, "port");
      ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
    }
    return ports;
  }

  private Map<String, Object> podLabels() {
    return map(at(doc("Deployment"), "spec", "template", "metadata", "labels"), "pod labels");
  }

  /**
   * The node's config with the container's environment: pod IP fields filled in, and paths in the
   * mounted Secrets pointing at the script's files mounted under {@link #mounts}.
   */
  private Config nodeConfig() {
    Map<String, Object> env = new HashMap<>();
    env().forEach(
        (k, v) -> {
          if (v.startsWith("fieldRef:status.podIP")) {
            env.put(k, "10.1.2.3");
          } else if (v.startsWith("/etc/meshwork/")) {
            env.put(k, mounts.resolve(v.substring(1)).toString());
          } else {
            env.put(k, v);
          }
        });
    return NodeConfig.load(ConfigFactory.parseMap(env), true);
  }

  @Test
  void everyDocumentHasApiVersionKindAndNameAndKustomizeListsEveryFile() {
    assertThat(byKind.keySet())
        .containsExactlyInAnyOrder(
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "NetworkPolicy");
    for (Map<String, Object> doc : byKind.values()) {
      assertThat(at(doc, "apiVersion")).isInstanceOf(String.class);
      assertThat((String) at(doc, "metadata", "name")).isNotBlank();
    }
    assertThat(kustomization).as("kustomization.yaml").isNotNull();
    List<String> resources = new ArrayList<>();
    list(kustomization.get("resources"), "resources").forEach(r -> resources.add((String) r));
    List<String> manifests = new ArrayList<>();
    files.stream()
        .map(p -> p.getFileName().toString())
        .filter(n -> !n.equals("kustomization.yaml"))
        .forEach(manifests::add);
    assertThat(resources).containsExactlyInAnyOrderElementsOf(manifests);
  }

  @Test
  void selectorsAgreeWithThePodLabelsAndTheDiscoveryLabelSelector() {
    Map<String, Object> labels = podLabels();
    assertThat(labels)
        .containsAllEntriesOf(map(at(doc("Deployment"), "spec", "selector", "matchLabels"), "selector"));
    assertThat(labels).containsAllEntriesOf(map(at(doc("Service"), "spec", "selector"), "selector"));
    assertThat(labels)
        .containsAllEntriesOf(
            map(at(doc("PodDisruptionBudget"), "spec", "selector", "matchLabels"), "selector"));
    // Kubernetes API discovery lists the pods matching the node's selector, %s = service name.
    DiscoverySettings discovery = DiscoverySettings.fromConfig(nodeConfig());
    String selector = discovery.podLabelSelector().replace("%s", discovery.serviceName());
    Map<String, Object> wanted = new LinkedHashMap<>();
    for (String term : selector.split(",")) {
      String[] kv = term.split("=", 2);
      assertThat(kv).as("selector term %s (expected: key=value)", term).hasSize(2);
      wanted.put(kv[0].trim(), kv[1].trim());
    }
    assertThat(labels).as("pod labels vs discovery selector " + selector).containsAllEntriesOf(wanted);
  }

  @Test
  void portNamesMatchTheProbesTheServiceAndDiscoveryAndTheNodesPorts() {
    Map<String, Integer> ports = containerPorts();
    assertThat(ports).containsOnlyKeys("client", "remoting", "management");
    Map<String, Object> probe = map(container().get("readinessProbe"), "readinessProbe");
    assertThat(at(probe, "httpGet", "path")).isEqualTo("/ready");
    assertThat(at(probe, "httpGet", "port")).isEqualTo("management");
    Map<String, Object> liveness = map(container().get("livenessProbe"), "livenessProbe");
    assertThat(at(liveness, "httpGet", "path")).isEqualTo("/alive");
    assertThat(at(liveness, "httpGet", "port")).isEqualTo("management");
    for (Object o : list(at(doc("Service"), "spec", "ports"), "service ports")) {
      assertThat(ports).containsKey((String) map(o, "service port").get("targetPort"));
    }
    Config config = nodeConfig();
    DiscoverySettings discovery = DiscoverySettings.fromConfig(config);
    assertThat(ports).containsKey(discovery.portName());
    // The node listens where the manifest says it does.
    NodeSettings node = NodeSettings.fromConfig(config);
    assertThat(node.endpoint().port()).isEqualTo(ports.get("client"));
    assertThat(node.clusterPort()).isEqualTo(ports.get("remoting"));
    assertThat(node.managementPort()).isEqualTo(ports.get("management"));
  }

  @Test
  void theNodeBootstrapsThroughTheKubernetesApiOnThePodIp() {
    Map<String, String> env = env();
    assertThat(env)
        .containsEntry("MESH_HOST", "fieldRef:status.podIP")
        .containsEntry("MESH_MANAGEMENT_HOST", "fieldRef:status.podIP")
        .containsEntry("MESH_DISCOVERY", "kubernetes-api")
        .doesNotContainKey("MESH_SEED_NODES");
    Config config = nodeConfig();
    DiscoverySettings discovery = DiscoverySettings.fromConfig(config);
    int replicas = (Integer) at(doc("Deployment"), "spec", "replicas");
    assertThat(replicas).isEqualTo(3);
    assertThat(discovery.requiredContactPoints()).as("required contact points").isBetween(2, replicas);
    String bootstrap = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    assertThat(config.getString(bootstrap + "discovery-method")).isEqualTo("kubernetes-api");
    assertThat(config.getString(bootstrap + "service-name")).isEqualTo(discovery.serviceName());
    assertThat(config.getString(bootstrap + "port-name")).isEqualTo("management");
    assertThat(config.getString("pekko.management.http.hostname")).isEqualTo("10.1.2.3");
    assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.1.2.3");
  }

  @Test
  void theServiceAccountMayReadPodsAndIsThePods() {
    String account = (String) at(doc("ServiceAccount"), "metadata", "name");
    assertThat(podSpec().get("serviceAccountName")).isEqualTo(account);
    List<Object> rules = list(at(doc("Role"), "rules"), "rules");
    assertThat(rules).hasSize(1);
    Map<String, Object> rule = map(rules.get(0), "rule");
    assertThat(list(rule.get("apiGroups"), "apiGroups")).containsExactly("");
    assertThat(list(rule.get("resources"), "resources")).containsExactly("pods");
    assertThat(list(rule.get("verbs"), "verbs")).containsExactlyInAnyOrder("get", "watch", "list");
    Map<String, Object> binding = doc("RoleBinding");
    assertThat(at(binding, "roleRef", "kind")).isEqualTo("Role");
    assertThat(at(binding, "roleRef", "name")).isEqualTo(at(doc("Role"), "metadata", "name"));
    Map<String, Object> subject = map(list(binding.get("subjects"), "subjects").get(0), "subject");
    assertThat(subject).containsEntry("kind", "ServiceAccount").containsEntry("name", account);
  }

  @Test
  void theGracePeriodOutlastsTheNodesGracefulShutdown() {
    Duration bound = DeployFiles.gracefulShutdownBound();
    int grace = (Integer) podSpec().get("terminationGracePeriodSeconds");
    assertThat(Duration.ofSeconds(grace)).as("grace period vs shutdown " + bound).isGreaterThan(bound);
    assertThat(grace).isGreaterThanOrEqualTo(45);
    // The phases that deregister and drain must not cut those waits short either.
    Config c = DeployFiles.nodeDefaults();
    assertThat(DeployFiles.phaseTimeout(c, "before-service-unbind"))
        .isGreaterThan(c.getDuration("meshwork.shutdown.deregister-delay"));
    assertThat(DeployFiles.phaseTimeout(c, "service-requests-done"))
        .isGreaterThan(c.getDuration("meshwork.shutdown.drain-timeout"));
  }

  @Test
  void resourcesAreRequestedAndLimitedAndTheBudgetKeepsAMajority() {
    Map<String, Object> resources = map(container().get("resources"), "resources");
    assertThat(map(resources.get("requests"), "requests")).containsKeys("cpu", "memory");
    assertThat(map(resources.get("limits"), "limits")).containsKey("memory");
    int replicas = (Integer) at(doc("Deployment"), "spec", "replicas");
    int minAvailable = (Integer) at(doc("PodDisruptionBudget"), "spec", "minAvailable");
    assertThat(minAvailable).isGreaterThan(replicas / 2).isLessThan(replicas);
    assertThat(map(container().get("securityContext"), "securityContext"))
        .containsEntry("allowPrivilegeEscalation", false);
    assertThat(map(podSpec().get("securityContext"), "pod securityContext"))
        .containsEntry("runAsNonRoot", true);
  }

  @Test
  void clientsNeedATokenOfTheClientsFileFromTheScriptsSecret() {
    assertThat(env()).containsEntry("MESH_AUTH", "on").containsKey("MESH_AUTH_FILE");
    AuthSettings auth = AuthSettings.fromConfig(nodeConfig());
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.clients()).containsOnlyKeys("app");
  }

  @Test
  void nodesSpeakMutualTlsWithTheScriptsCertificates() {
    assertThat(env()).containsEntry("MESH_CLUSTER_TLS", "on");
    Config config = nodeConfig(); // loads the mounted files: refuses a key that is not the cert's
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(config.getString("pekko.remote.artery.ssl.ssl-engine-provider"))
        .endsWith(".RotatingKeysSSLEngineProvider");
  }

  @Test
  void theDeploymentMountsExactlyTheSecretKeysTheScriptMakesForNodesAndUsesEachFile() {
    Map<String, Set<String>> mounted = new LinkedHashMap<>();
    for (Map<String, Object> volume : secretVolumes().values()) {
      Set<String> keys = new TreeSet<>();
      list(volume.get("items"), "items").forEach(i -> keys.add((String) map(i, "item").get("key")));
      mounted.put((String) volume.get("secretName"), keys);
      // Octal 0440 (YAML 1.1): the node's group, through fsGroup, reads; nobody writes.
      assertThat(volume.get("defaultMode")).isEqualTo(0440);
      assertThat(volume).doesNotContainKey("optional");
    }
    Map<String, Set<String>> made = new LinkedHashMap<>();
    secrets.forEach((name, data) -> made.put(name, new TreeSet<>(data.keySet())));
    // The client's token is for the clients' pods, never the nodes'.
    assertThat(made.remove("meshwork-client-token")).containsExactly("token");
    assertThat(mounted).isEqualTo(made);
    for (Object o : list(container().get("volumeMounts"), "volumeMounts")) {
      Map<String, Object> m = map(o, "volumeMount");
      if (secretVolumes().containsKey((String) m.get("name"))) {
        assertThat(m).as("secret mount " + m.get("name")).containsEntry("readOnly", true);
      }
    }
    // Every mounted file is named by a variable, and every variable names a mounted file.
    Set<Path> files = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(mounts)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Set<Path> named = new TreeSet<>();
    env().values().stream()
        .filter(v -> v.startsWith("/etc/meshwork/"))
        .forEach(v -> named.add(mounts.resolve(v.substring(1))));
    assertThat(named).isEqualTo(files).hasSize(4);
  }

  @Test
  void theNodesHostTheServicesTheyNameAndNeverConformance() {
    assertThat(env()).containsKey("MESH_SERVICES");
    Map<String, String> hosted = NodeSettings.fromConfig(nodeConfig()).hostedServices();
    assertThat(hosted).containsKeys("echo", "info", "kv").doesNotContainKey("conformance");
  }

  @Test
  void theNetworkPolicyAdmitsClusterAndManagementOnlyFromTheNodesAndTheClientPortFromClients() {
    Map<String, Object> policy = doc("NetworkPolicy");
    Map<String, Object> ownLabels =
        map(at(doc("Deployment"), "spec", "selector", "matchLabels"), "selector");
    assertThat(map(at(policy, "spec", "podSelector", "matchLabels"), "policy podSelector"))
        .isEqualTo(ownLabels);
    assertThat(list(at(policy, "spec", "policyTypes"), "policyTypes")).contains("Ingress");
    Map<String, List<Object>> peersByPort = new LinkedHashMap<>();
    for (Object o : list(at(policy, "spec", "ingress"), "ingress")) {
      Map<String, Object> rule = map(o, "ingress rule");
      // A rule without from admits every source; without ports, every port.
      assertThat(rule).containsKeys("from", "ports");
      List<Object> peers = list(rule.get("from"), "from");
      for (Object peer : peers) {
        Map<String, Object> p = map(peer, "peer");
        assertThat(p).as("peer " + p).doesNotContainKey("ipBlock");
        // An empty selector matches every pod (or namespace).
        assertThat(map(at(p, "podSelector", "matchLabels"), "peer matchLabels")).isNotEmpty();
        if (p.containsKey("namespaceSelector")) {
          assertThat(map(at(p, "namespaceSelector", "matchLabels"), "namespace matchLabels")).isNotEmpty();
        }
      }
      for (Object port : list(rule.get("ports"), "ports")) {
        String name = (String) map(port, "port").get("port");
        assertThat(containerPorts()).as("policy port " + name).containsKey(name);
        peersByPort.computeIfAbsent(name, n -> new ArrayList<>()).addAll(peers);
      }
    }
    Map<String, Object> nodes = Map.of("podSelector", Map.of("matchLabels", ownLabels));
    assertThat(peersByPort.get("remoting")).containsExactly(nodes);
    assertThat(peersByPort.get("management")).containsExactly(nodes);
    Map<String, Object> clients =
        Map.of("podSelector", Map.of("matchLabels", Map.of("meshwork-client", "true")));
    assertThat(peersByPort.get("client")).containsExactly(clients);
    // The label a client pod needs is the one the deploy guide tells operators to set.
    assertThat(DeployFiles.read(DeployFiles.DEPLOY.resolve("README.md"))).contains("meshwork-client: \"true\"");
  }
}
