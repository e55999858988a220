package io.meshwork.services.kv;

import io.meshwork.protocol.services.v1.KvCasReply;
import io.meshwork.protocol.services.v1.KvCasRequest;
import io.meshwork.protocol.services.v1.KvDeleteReply;
import io.meshwork.protocol.services.v1.KvDeleteRequest;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvKeyStateReply;
import io.meshwork.protocol.services.v1.KvKeysReply;
import io.meshwork.protocol.services.v1.KvKeysRequest;
import io.meshwork.protocol.services.v1.KvPutReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Replicator;

/**
 * {@code kv}: a replicated key-value store on Pekko Distributed Data.
 *
 * <p>Every node that hosts kv holds a full replica. The keys are spread over {@code
 * meshwork.kv.buckets} top-level entries of Distributed Data, each an {@code LWWMap} from key to
 * value, so that one write replicates one small delta and one read fetches one bucket. Each request
 * chooses its consistency: {@code LOCAL} (this node's replica), {@code MAJORITY} or {@code ALL} of
 * the kv nodes; a value written with {@code MAJORITY} survives the loss of any minority of them,
 * and a {@code MAJORITY} read sees it. A {@code MAJORITY} or {@code ALL} read moves only its key's
 * entry between nodes ({@link KeyState}), never the whole bucket.
 *
 * <p>Methods: {@code get}, {@code put}, {@code delete}, {@code keys} (by prefix, paged) and {@code
 * cas} (compare-and-set). Concurrent writers of one key: the last writer wins (by wall clock, ties
 * by node). {@code cas} compares and sets atomically on the node that handles it, after reading
 * the key at the request's consistency; two {@code cas} calls racing on different nodes can both
 * succeed, and the last writer wins, as in any store built on CRDTs.
 */
public final class KvService implements MeshService {
  sealed interface Command {}

  record Get(Call<KvGetRequest, KvGetReply> call) implements Command {}

  record Put(Call<KvPutRequest, KvPutReply> call) implements Command {}

  record Delete(Call<KvDeleteRequest, KvDeleteReply> call) implements Command {}

  record Keys(Call<KvKeysRequest, KvKeysReply> call) implements Command {}

  record Cas(Call<KvCasRequest, KvCasReply> call) implements Command {}

  /** The local replicator's answer to a read. */
  record ReadDone(Replicator.GetResponse<?> response) implements Command {}

  /** The local replicator's answer to a write. */
  record WriteDone(Replicator.UpdateResponse<?> response) implements Command {}

  /** Another kv node's answer to a read of one key. */
  record KeyStateArrived(KvKeyStateReply reply) implements Command {}

  /** A read of one key got too few answers in time. */
  record KeyReadTimedOut(long id) implements Command {}

  /** A keys scan has stopped (answered, failed or past its deadline). */
  enum ScanEnded implements Command {
    INSTANCE
  }

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Command>builder("kv")
        .unary("get", KvGetRequest.getDefaultInstance(), KvGetReply.getDefaultInstance(), Get::new)
        .unary("put", KvPutRequest.getDefaultInstance(), KvPutReply.getDefaultInstance(), Put::new)
        .unary("delete", KvDeleteRequest.getDefaultInstance(), KvDeleteReply.getDefaultInstance(), Delete::new)
        .unary("keys", KvKeysRequest.getDefaultInstance(), KvKeysReply.getDefaultInstance(), Keys::new)
        .unary("cas", KvCasRequest.getDefaultInstance(), KvCasReply.getDefaultInstance(), Cas::new)
        .behavior(context -> Behaviors.setup(KvActor::start))
        .build();
  }
}
