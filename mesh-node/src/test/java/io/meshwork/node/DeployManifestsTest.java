package io.meshwork.node;

import static io.meshwork.node.testing.DeployFiles.at;
import static io.meshwork.node.testing.DeployFiles.list;
import static io.meshwork.node.testing.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.config.DiscoverySettings;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.testing.DeployFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Kubernetes manifests in {@code deploy/k8s}: every document well-formed, the labels, selectors
 * and port names agreeing with each other and with the node's discovery settings, and a grace
 * period longer than the node's graceful shutdown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployManifestsTest {
  private static final Path K8S = DeployFiles.DEPLOY.resolve("k8s");
  private final Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
  private final List<Path> files = new ArrayList<>();
  private Map<String, Object> kustomization;

  @BeforeAll
  void readEveryDocument() throws IOException {
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

  /** The node's config with the container's environment, pod IP fields filled in. */
  private Config nodeConfig() {
    Map<String, Object> env = new HashMap<>();
    env().forEach((k, v) -> env.put(k, v.startsWith("fieldRef:status.podIP") ? "10.1.2.3" : v));
    return NodeConfig.load(ConfigFactory.parseMap(env), true);
  }

  @Test
  void everyDocumentHasApiVersionKindAndNameAndKustomizeListsEveryFile() {
    assertThat(byKind.keySet())
        .containsExactlyInAnyOrder(
            "ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget");
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
}
