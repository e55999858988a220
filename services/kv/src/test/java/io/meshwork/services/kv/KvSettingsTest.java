package io.meshwork.services.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import org.junit.jupiter.api.Test;

/** meshwork.kv as mesh-node's reference.conf states it, with Pekko's frame size as a node sets it. */
class KvSettingsTest {
  private static final long MIB = 1024 * 1024;

  private static Config nodeConfig(String overrides) {
    File reference = new File("../../mesh-node/src/main/resources/reference.conf");
    assertThat(reference).exists();
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseFile(reference))
        .withFallback(ConfigFactory.parseString("pekko.remote.artery.advanced.maximum-frame-size = 2 MiB"))
        .resolve();
  }

  @Test
  void theDefaultStoreIs64MiBAndFitsTheHeapOfTheTestAndDeployNodes() {
    KvSettings defaults = KvSettings.from(nodeConfig(""));
    assertThat(defaults.maxStoreBytes()).isEqualTo(64 * MIB);
    // -Xmx256m under the serial GC reports about 247 MiB; 128 MiB is the least the defaults take.
    assertThatCode(() -> defaults.requireStoreFitsHeap(247 * MIB)).doesNotThrowAnyException();
    assertThatCode(() -> defaults.requireStoreFitsHeap(128 * MIB)).doesNotThrowAnyException();
    assertThat(defaults.keys().defaultLimit()).isEqualTo(1_000);
    assertThat(defaults.keys().maxLimit()).isEqualTo(10_000);
  }

  @Test
  void aStoreLargerThanItsShareOfTheHeapIsRefusedNamingTheSettings() {
    KvSettings old = KvSettings.from(nodeConfig("meshwork.kv.max-bucket-bytes = 1 MiB"));
    assertThatThrownBy(() -> old.requireStoreFitsHeap(256 * MIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("buckets x max-bucket-bytes = 256 x 1048576 = 256.0 MiB")
        .hasMessageContaining("max-heap-share 0.5 of the JVM's maximum heap 256.0 MiB, 128.0 MiB")
        .hasMessageContaining("meshwork.kv.max-bucket-bytes", "meshwork.kv.buckets", "-Xmx");
    assertThatCode(() -> old.requireStoreFitsHeap(512 * MIB)).doesNotThrowAnyException();
  }

  @Test
  void theHeapShareIsASetting() {
    KvSettings all = KvSettings.from(nodeConfig("meshwork.kv.max-heap-share = 1.0"));
    assertThatCode(() -> all.requireStoreFitsHeap(64 * MIB)).doesNotThrowAnyException();
    assertThatThrownBy(() -> KvSettings.from(nodeConfig("meshwork.kv.max-heap-share = 0")))
        .hasMessage("meshwork.kv.max-heap-share: 0.0 (expected: more than 0, at most 1)");
  }

  @Test
  void keysBoundsOutOfRangeAreRefused() {
    assertThatThrownBy(() -> KvSettings.from(nodeConfig("meshwork.kv.keys.default-limit = 20000")))
        .hasMessage("meshwork.kv.keys.default-limit: 20000 (expected: 1 to keys.max-limit, 10000)");
    assertThatThrownBy(() -> KvSettings.from(nodeConfig("meshwork.kv.keys.max-reply-bytes = 100")))
        .hasMessageStartingWith("meshwork.kv.keys.max-reply-bytes: 100 (expected: at least max-key-bytes + 3, 515");
    assertThatThrownBy(() -> KvSettings.from(nodeConfig("meshwork.kv.keys.max-concurrent-scans = 0")))
        .hasMessage("meshwork.kv.keys.max-concurrent-scans: 0 (expected: at least 1)");
  }
}
