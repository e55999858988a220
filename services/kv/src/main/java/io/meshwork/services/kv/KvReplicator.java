package io.meshwork.services.kv;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ddata.Replicator;
import org.apache.pekko.cluster.ddata.ReplicatorSettings;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * The kv store's own Distributed Data replicator, one per node, at the same path on every node
 * ({@code /system/meshwork-kv-replicator}) as replicators require. It is separate from the
 * default {@code DistributedData} replicator so that it replicates only among the nodes that host
 * kv (cluster role {@code meshwork-service-kv}): a majority is a majority of those nodes, and a
 * node that hosts no kv holds no copy. With {@code meshwork.kv.durable.dir} set, every bucket is
 * also kept on disk (LMDB) and read back when the node starts. Beside it, at {@code
 * /system/meshwork-kv-key-reader}, the {@link KeyStateReader} answers the other nodes' reads of
 * one key.
 *
 * <p>Creating it checks {@code meshwork.kv} and that a full store fits the heap: it fails with a
 * readable message otherwise, and the kv service then stops the node ({@link KvService}).
 */
final class KvReplicator implements Extension {
  static final String ROLE = "meshwork-service-kv";
  static final String NAME = "meshwork-kv-replicator";

  private static final ExtensionId<KvReplicator> ID =
      new ExtensionId<>() {
        @Override
        public KvReplicator createExtension(ActorSystem<?> system) {
          return new KvReplicator(system);
        }
      };

  final KvSettings settings;
  final ActorRef replicator;
  final SelfUniqueAddress self;
  final Buckets buckets;

  /**
   * lmdbjava reads the address field of NIO buffers. Without {@code --add-opens} its first write
   * fails with an error that stops the JVM, so check now and say what to do. (mesh-node.jar's
   * manifest and bin/mesh-node pass the option.)
   */
  private static void requireLmdbAccess() {
    for (String pkg : new String[] {"java.nio", "sun.nio.ch"}) {
      if (!Object.class.getModule().isOpen(pkg, KvReplicator.class.getModule())) {
        throw new IllegalStateException(
            "meshwork.kv.durable.dir is set, but the durable store (LMDB) needs the JVM options "
                + "--add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED "
                + "(java -jar mesh-node.jar and bin/mesh-node pass them)");
      }
    }
  }

  static KvReplicator get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private KvReplicator(ActorSystem<?> system) {
    Config config = system.settings().config();
    this.settings = KvSettings.from(config);
    settings.requireStoreFitsHeap(Runtime.getRuntime().maxMemory());
    this.buckets = new Buckets(settings.buckets());
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
    Map<String, Object> own = new HashMap<>();
    own.put("name", NAME);
    own.put("role", ROLE);
    // A bucket may legitimately grow to max-bucket-bytes; warn only beyond that.
    own.put("log-data-size-exceeding", settings.maxBucketBytes() + 64 * 1024);
    if (settings.durable()) {
      requireLmdbAccess();
      String dir = settings.durableDir();
      own.put("durable.keys", List.of(Buckets.KEY_PREFIX + "*"));
      own.put("durable.lmdb.dir", Path.of(dir).toAbsolutePath().toString());
      own.put("durable.lmdb.map-size", settings.durableMapSize());
    } else {
      own.put("durable.keys", List.of());
    }
    ReplicatorSettings replicatorSettings =
        ReplicatorSettings.apply(
            ConfigFactory.parseMap(own).withFallback(config.getConfig("pekko.cluster.distributed-data")));
    this.replicator = classic.systemActorOf(Replicator.props(replicatorSettings), NAME);
    classic.systemActorOf(KeyStateReader.props(replicator, buckets), KeyStateReader.NAME);
    this.self = new SelfUniqueAddress(Cluster.get(classic).selfUniqueAddress());
  }
}
