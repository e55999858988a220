package io.meshwork.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code meshwork.discovery}: how MESH_DISCOVERY_* become Cluster Bootstrap's settings. */
class DiscoveryConfigTest {
  private static final String BOOTSTRAP = "pekko.management.cluster.bootstrap.";

  private static Config load(Map<String, String> env) {
    // MESH_* are looked up in the config root before the process environment.
    return NodeConfig.load(ConfigFactory.parseMap(new HashMap<>(env)), true);
  }

  @Test
  void byDefaultTheNodeUsesSeedNodesAndNoBootstrap() {
    Config config = load(Map.of());
    DiscoverySettings d = DiscoverySettings.fromConfig(config);
    assertThat(d.bootstrap()).isFalse();
    assertThat(d.method()).isEqualTo(DiscoverySettings.Method.NONE);
    assertThat(config.getString(BOOTSTRAP + "contact-point-discovery.discovery-method"))
        .isEqualTo("pekko.discovery");
    assertThat(config.getString("pekko.management.http.routes.cluster-bootstrap")).isEmpty();
  }

  @Test
  void configDiscoveryListsTheManagementEndpointsUnderTheServiceName() {
    Config config =
        load(
            Map.of(
                "MESH_DISCOVERY", "config",
                "MESH_DISCOVERY_SERVICE_NAME", "mesh.test",
                "MESH_DISCOVERY_ENDPOINTS", "10.0.0.1:8558, 10.0.0.2:8559",
                "MESH_DISCOVERY_REQUIRED_CONTACT_POINTS", "2"));
    String discovery = BOOTSTRAP + "contact-point-discovery.";
    assertThat(config.getString(discovery + "discovery-method")).isEqualTo("config");
    assertThat(config.getString(discovery + "service-name")).isEqualTo("mesh.test");
    assertThat(config.getInt(discovery + "required-contact-point-nr")).isEqualTo(2);
    assertThat(config.getBoolean(BOOTSTRAP + "contact-point.filter-on-fallback-port")).isFalse();
    assertThat(config.getString("pekko.management.http.routes.cluster-bootstrap"))
        .isEqualTo("org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$");
    List<? extends Config> endpoints =
        config.getConfigList("pekko.discovery.config.services.\"mesh.test\".endpoints");
    assertThat(endpoints).hasSize(2);
    assertThat(endpoints.get(0).getString("host")).isEqualTo("10.0.0.1");
    assertThat(endpoints.get(1).getInt("port")).isEqualTo(8559);
  }

  @Test
  void kubernetesApiDiscoveryUsesTheLabelSelectorAndThePortName() {
    Config config = load(Map.of("MESH_DISCOVERY", "kubernetes-api", "MESH_DISCOVERY_SERVICE_NAME", "mesh"));
    assertThat(config.getString(BOOTSTRAP + "contact-point-discovery.discovery-method"))
        .isEqualTo("kubernetes-api");
    assertThat(config.getString(BOOTSTRAP + "contact-point-discovery.port-name")).isEqualTo("management");
    assertThat(config.getString("pekko.discovery.kubernetes-api.pod-label-selector")).isEqualTo("app=%s");
  }

  @Test
  void seedNodesAndDiscoveryTogetherAreRefused() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "MESH_DISCOVERY", "kubernetes-api",
                        "MESH_SEED_NODES", "10.0.0.1:2550")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("meshwork.discovery.method: kubernetes-api with meshwork.seed-nodes");
  }

  @Test
  void badDiscoverySettingsAreRefusedWithTheKeyAndTheExpectation() {
    assertThatThrownBy(() -> load(Map.of("MESH_DISCOVERY", "dns")))
        .hasMessage("meshwork.discovery.method: \"dns\" (expected: none, config or kubernetes-api)");
    assertThatThrownBy(() -> load(Map.of("MESH_DISCOVERY", "config")))
        .hasMessageStartingWith("meshwork.discovery.endpoints: \"\" (expected:");
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "MESH_DISCOVERY", "config",
                        "MESH_DISCOVERY_ENDPOINTS", "10.0.0.1:8558",
                        "MESH_DISCOVERY_REQUIRED_CONTACT_POINTS", "3")))
        .hasMessageStartingWith("meshwork.discovery.required-contact-points: 3 (expected: at most the 1");
    assertThatThrownBy(
            () -> load(Map.of("MESH_DISCOVERY", "config", "MESH_DISCOVERY_ENDPOINTS", "10.0.0.1")))
        .hasMessage("meshwork.discovery.endpoints: \"10.0.0.1\" (expected: host:port of a management API)");
  }
}
