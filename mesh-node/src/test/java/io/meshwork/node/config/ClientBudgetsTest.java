package io.meshwork.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code meshwork.endpoint} budgets: defaults derived from the heap, and bad values refused. */
class ClientBudgetsTest {
  private static final long MIB = 1 << 20;

  private static ClientBudgets budgets(Map<String, Object> conf, long heap) {
    Config config = NodeConfig.load(ConfigFactory.parseMap(new HashMap<>(conf)), false);
    Config endpoint = config.getConfig("meshwork.endpoint");
    return ClientBudgets.fromConfig(
        endpoint,
        endpoint.getBytes("max-frame-size").intValue(),
        endpoint.getBytes("read-buffer-size").intValue(),
        heap);
  }

  @Test
  void theDefaultsAreAQuarterOfTheHeapAndAThirtySecondOfThatPerConnection() {
    ClientBudgets b = budgets(Map.of(), 2048 * MIB);
    assertThat(b.nodeBytes()).isEqualTo(512 * MIB);
    assertThat(b.connectionBytes()).isEqualTo(16 * MIB);
    assertThat(b.frameTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(b.firstRequestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.maxConnectionsPerAddress()).isEqualTo(1000);
    assertThat(b.maxHeaders()).isEqualTo(64);
    assertThat(b.maxHeaderBytes()).isEqualTo(16 * 1024);
    assertThat(b.protectedMode()).isTrue();
  }

  @Test
  void aSmallHeapStillLetsAConnectionTakeTwoLargestFrames() {
    ClientBudgets b = budgets(Map.of(), 256 * MIB);
    assertThat(b.nodeBytes()).isEqualTo(64 * MIB);
    assertThat(b.connectionBytes()).isEqualTo(2 * MIB + 64 * 1024); // 2 x 1 MiB + the read buffer
  }

  @Test
  void aLargeHeapCapsTheConnectionBudget() {
    assertThat(budgets(Map.of(), 64 * 1024 * MIB).connectionBytes()).isEqualTo(32 * MIB);
  }

  @Test
  void budgetsCanBeSizesOrShares() {
    ClientBudgets b =
        budgets(
            Map.of(
                "meshwork.endpoint.memory.node-budget", "100 MiB",
                "meshwork.endpoint.memory.connection-budget", "4 MiB"),
            256 * MIB);
    assertThat(b.nodeBytes()).isEqualTo(100 * MIB);
    assertThat(b.connectionBytes()).isEqualTo(4 * MIB);
    assertThat(budgets(Map.of("meshwork.endpoint.memory.node-budget", "50%"), 256 * MIB).nodeBytes())
        .isEqualTo(128 * MIB);
  }

  @Test
  void badBudgetsAreRefusedWithTheSettingNamed() {
    assertThatThrownBy(
            () -> budgets(Map.of("meshwork.endpoint.memory.node-budget", "95%"), 256 * MIB))
        .hasMessageContaining("meshwork.endpoint.memory.node-budget: \"95%\" (expected: a share");
    assertThatThrownBy(
            () ->
                budgets(
                    Map.of("meshwork.endpoint.memory.connection-budget", "1 MiB"), 256 * MIB))
        .hasMessageContaining("meshwork.endpoint.memory.connection-budget: 1048576 (expected: auto, or >=");
    assertThatThrownBy(
            () -> budgets(Map.of("meshwork.endpoint.memory.node-budget", "1 MiB"), 256 * MIB))
        .hasMessageContaining("meshwork.endpoint.memory.node-budget: 1048576 bytes (expected: >=");
    assertThatThrownBy(() -> budgets(Map.of("meshwork.endpoint.max-headers", 0), 256 * MIB))
        .hasMessage("meshwork.endpoint.max-headers: 0 (expected: >= 1)");
    assertThatThrownBy(() -> budgets(Map.of("meshwork.endpoint.frame-timeout", "0s"), 256 * MIB))
        .hasMessage("meshwork.endpoint.frame-timeout: PT0S (expected: > 0)");
  }
}
