package io.meshwork.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.service.internal.QueueLimits;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  @Test
  void defaultsMatchTheDocumentedPorts() {
    NodeSettings s = NodeSettings.fromConfig(NodeConfig.load(ConfigFactory.empty(), false));
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.endpoint().port()).isEqualTo(7700);
    assertThat(s.clusterPort()).isEqualTo(2550);
    assertThat(s.managementPort()).isEqualTo(8558);
    assertThat(s.seedNodes()).isEmpty();
    assertThat(s.hostedServices()).containsOnlyKeys(
        "echo", "hash", "info", "kv", "proxy", "pubsub", "ratelimit");
    assertThat(s.serviceDispatchers()).isEmpty();
    assertThat(s.serviceQueue()).isEqualTo(new QueueLimits(10_000, 64L * 1024 * 1024));
    assertThat(s.endpoint().maxFrameBytes()).isEqualTo(1024 * 1024);
    assertThat(s.endpoint().defaultDeadline()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void meshVariablesOverrideTheDefaultsAndMoveEveryAddress() {
    // MESH_* are looked up in the config root before the process environment, which lets the
    // env layer be tested without touching the environment.
    Config env =
        ConfigFactory.parseMap(
            Map.of(
                "MESH_HOST", "127.0.0.9",
                "MESH_PORT", "7801",
                "MESH_CLUSTER_PORT", "2651",
                "MESH_MANAGEMENT_PORT", "8651",
                "MESH_SEED_NODES", "127.0.0.9:2651, 127.0.0.8:2652",
                "MESH_SERVICES", "echo"));
    Config config = NodeConfig.load(env, true);
    NodeSettings s = NodeSettings.fromConfig(config);
    assertThat(s.host()).isEqualTo("127.0.0.9");
    assertThat(s.endpoint().host()).isEqualTo("127.0.0.9");
    assertThat(s.endpoint().port()).isEqualTo(7801);
    assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("127.0.0.9");
    assertThat(config.getInt("pekko.remote.artery.canonical.port")).isEqualTo(2651);
    // The management API stays on loopback unless MESH_MANAGEMENT_HOST moves it.
    assertThat(config.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(config.getString("pekko.management.http.bind-hostname")).isEqualTo("127.0.0.1");
    assertThat(config.getInt("pekko.management.http.port")).isEqualTo(8651);
    assertThat(config.getStringList("pekko.cluster.seed-nodes"))
        .containsExactly("pekko://meshwork@127.0.0.9:2651", "pekko://meshwork@127.0.0.8:2652");
    assertThat(s.hostedServices()).containsOnlyKeys("echo");
  }

  @Test
  void conformanceIsHostedOnlyWhenNamedAndAllNamesTheDefaultSet() {
    for (String all : new String[] {"", "all", " all "}) {
      Config c = NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.services", all)), false);
      assertThat(NodeSettings.fromConfig(c).hostedServices()).as("\"%s\"", all)
          .doesNotContainKey("conformance")
          .containsKeys("echo", "hash", "kv");
    }
    Config named =
        NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.services", "echo,conformance")), false);
    assertThat(NodeSettings.fromConfig(named).hostedServices()).containsOnlyKeys("echo", "conformance");
    Config allPlus =
        NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.services", "all,conformance")), false);
    assertThat(NodeSettings.fromConfig(allPlus).hostedServices())
        .containsOnlyKeys("conformance", "echo", "hash", "info", "kv", "proxy", "pubsub", "ratelimit");
  }

  @Test
  void anOptInServiceMustBeKnown() {
    Config c =
        NodeConfig.load(
            ConfigFactory.parseString("meshwork.opt-in-services = [conformance, nope]"), false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("meshwork.opt-in-services: \"nope\" (expected one of: conformance, echo");
  }

  @Test
  void serviceQueueBoundsAreReadAndChecked() {
    Config c =
        NodeConfig.load(
            ConfigFactory.parseString("meshwork.service-queue { max-calls = 5, max-bytes = 1 KiB }"),
            false);
    assertThat(NodeSettings.fromConfig(c).serviceQueue()).isEqualTo(new QueueLimits(5, 1024));
    Config zero =
        NodeConfig.load(ConfigFactory.parseString("meshwork.service-queue.max-calls = 0"), false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(zero))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("meshwork.service-queue.max-calls: 0 (expected: 1 to 2147483647)");
  }

  @Test
  void noneHostsNothing() {
    Config c = NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.services", "none")), false);
    assertThat(NodeSettings.fromConfig(c).hostedServices()).isEmpty();
  }

  @Test
  void anUnknownServiceNameIsRejectedNamingTheKnownOnes() {
    Config c = NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.services", "echo,nope")), false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"nope\"")
        .hasMessageContaining("conformance, echo, hash, info, kv, proxy, pubsub, ratelimit");
  }

  @Test
  void aMalformedSeedNodeIsRejected() {
    assertThatThrownBy(
            () -> NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.seed-nodes", "localhost")), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"localhost\"")
        .hasMessageContaining("host:port");
  }

  @Test
  void aFrameLimitThatCannotCrossNodesIsRejected() {
    Config c =
        NodeConfig.load(ConfigFactory.parseMap(Map.of("meshwork.endpoint.max-frame-size", "4 MiB")), false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximum-frame-size");
  }

  @Test
  void dedicatedPortsMustNameAKnownServiceAndAPortOfTheirOwn() {
    Config unknown =
        NodeConfig.load(
            ConfigFactory.parseMap(Map.of("meshwork.endpoint.service-ports.nope", 7710)), false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(unknown))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service-ports.nope")
        .hasMessageContaining("conformance, echo, hash, info, kv, proxy, pubsub, ratelimit");
    Config clash =
        NodeConfig.load(
            ConfigFactory.parseMap(
                Map.of("meshwork.port", 7700, "meshwork.endpoint.service-ports.echo", 7700)),
            false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(clash))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("meshwork.port uses it");
    Config fine =
        NodeConfig.load(
            ConfigFactory.parseMap(Map.of("meshwork.endpoint.service-ports.echo", 7710)), false);
    assertThat(NodeSettings.fromConfig(fine).endpoint().servicePorts()).containsEntry("echo", 7710);
  }

  @Test
  void blockingServicesRunOnTheBulkheadAndTheOthersOnTheServicesDispatcher() {
    NodeSettings s = NodeSettings.fromConfig(NodeConfig.load(ConfigFactory.empty(), false));
    assertThat(s.dispatcherOf("info", true)).isEqualTo("meshwork.blocking-dispatcher");
    assertThat(s.dispatcherOf("info", false)).isEqualTo("meshwork.event-loop-dispatcher");
  }

  @Test
  void aServiceDispatcherWinsForAnyServiceBlockingOrNot() {
    Config c =
        NodeConfig.load(
            ConfigFactory.parseMap(
                Map.of(
                    "meshwork.service-dispatchers.info", "pekko.actor.default-dispatcher",
                    "meshwork.service-dispatchers.echo", "meshwork.blocking-dispatcher")),
            false);
    NodeSettings s = NodeSettings.fromConfig(c);
    assertThat(s.dispatcherOf("info", true)).isEqualTo("pekko.actor.default-dispatcher");
    assertThat(s.dispatcherOf("echo", false)).isEqualTo("meshwork.blocking-dispatcher");
    assertThat(s.serviceDispatchers()).hasSize(2);
  }

  @Test
  void aServiceDispatcherThatIsNotADispatcherFailsStartUpNamingTheKey() {
    for (String path : new String[] {"no.such.dispatcher", "meshwork.host", "not a path", ""}) {
      Config c =
          NodeConfig.load(
              ConfigFactory.parseMap(Map.of("meshwork.service-dispatchers.echo", path)), false);
      assertThatThrownBy(() -> NodeSettings.fromConfig(c))
          .as("path \"%s\"", path)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "meshwork.service-dispatchers.echo: \""
                  + path
                  + "\" (expected: the config path of a dispatcher, e.g."
                  + " meshwork.event-loop-dispatcher or meshwork.blocking-dispatcher)");
    }
  }

  @Test
  void aServiceDispatcherForAnUnknownServiceFailsStartUpNamingTheKnownOnes() {
    Config c =
        NodeConfig.load(
            ConfigFactory.parseMap(
                Map.of("meshwork.service-dispatchers.hsah", "meshwork.blocking-dispatcher")),
            false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("meshwork.service-dispatchers.hsah: no service \"hsah\"")
        .hasMessageContaining("conformance, echo, hash, info, kv, proxy, pubsub, ratelimit");
  }

  @Test
  void aServiceDispatcherThatIsNotAStringFailsStartUp() {
    Config c =
        NodeConfig.load(
            ConfigFactory.parseString("meshwork.service-dispatchers.echo { type = Dispatcher }"),
            false);
    assertThatThrownBy(() -> NodeSettings.fromConfig(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("meshwork.service-dispatchers.echo: ")
        .hasMessageContaining("expected: the config path of a dispatcher as a string");
  }
}
