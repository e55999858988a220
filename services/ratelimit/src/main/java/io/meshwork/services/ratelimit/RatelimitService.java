package io.meshwork.services.ratelimit;

import com.typesafe.config.Config;
import io.meshwork.protocol.services.v1.AcquireReply;
import io.meshwork.protocol.services.v1.AcquireRequest;
import io.meshwork.protocol.services.v1.BucketAcquire;
import io.meshwork.protocol.services.v1.BucketOutcome;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.CallerIdentity;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * {@code ratelimit}: token buckets keyed by a client-chosen key, and by the caller's identity when
 * the node authenticated the caller ({@link CallerIdentity}): client C's key K and client D's key
 * K are two buckets, so one client cannot drain another's. Each bucket is one entity of
 * Cluster Sharding, so it lives on exactly one node and every node answers the same for the same
 * key. A bucket holds up to {@code capacity} permits and gains {@code refill-per-second}; {@code
 * acquire} takes permits when there are enough, or answers denied with the wait until there will
 * be. An idle bucket is passivated; it comes back full, as it would be by then anyway when
 * {@code capacity / refill-per-second} is shorter than the passivation idle time (2 minutes).
 */
public final class RatelimitService implements MeshService {
  static final EntityTypeKey<BucketAcquire> BUCKETS =
      EntityTypeKey.create(BucketAcquire.class, "meshwork-ratelimit-bucket");

  sealed interface Command {}

  record Acquire(Call<AcquireRequest, AcquireReply> call) implements Command {}

  record Outcome(BucketOutcome outcome) implements Command {}

  enum Sweep implements Command {
    INSTANCE
  }

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Command>builder("ratelimit")
        .unary("acquire", AcquireRequest.getDefaultInstance(), AcquireReply.getDefaultInstance(), Acquire::new)
        .behavior(context -> behavior())
        .build();
  }

  private static Behavior<Command> behavior() {
    return Behaviors.setup(
        ctx -> {
          Config config = ctx.getSystem().settings().config().getConfig("meshwork.ratelimit");
          int capacity = config.getInt("capacity");
          double refillPerSecond = config.getDouble("refill-per-second");
          if (capacity < 1 || refillPerSecond <= 0) {
            throw new IllegalArgumentException(
                "meshwork.ratelimit: capacity " + capacity + ", refill-per-second " + refillPerSecond
                    + " (expected: capacity >= 1 and refill-per-second > 0)");
          }
          ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
          // Only the nodes that host ratelimit run its shards and its coordinator: the runtime gives
          // them the role meshwork-service-ratelimit. (Without the role the coordinator would be
          // expected on the oldest node of the cluster, which may not host ratelimit at all.)
          sharding.init(
              Entity.of(BUCKETS, entity -> Bucket.create(capacity, refillPerSecond))
                  .withRole("meshwork-service-ratelimit"));
          ActorRef<BucketOutcome> outcomes = ctx.messageAdapter(BucketOutcome.class, Outcome::new);
          String replyTo = ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(outcomes);
          Map<Long, Call<AcquireRequest, AcquireReply>> pending = new HashMap<>();
          long[] nextId = {0};
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Sweep.INSTANCE, Duration.ofSeconds(5));
                return Behaviors.receive(Command.class)
                    .onMessage(
                        Acquire.class,
                        a -> {
                          AcquireRequest request = a.call().request();
                          String key = request.getKey();
                          if (key.isEmpty() || key.length() > 200) {
                            throw new ServiceException(
                                Status.BAD_REQUEST, "key: " + key.length() + " characters (expected: 1 to 200)");
                          }
                          if (key.charAt(0) == CLIENT_SCOPE) {
                            throw new ServiceException(
                                Status.BAD_REQUEST,
                                "key: starts with U+0000 (expected: any other first character; U+0000"
                                    + " marks the buckets of authenticated clients)");
                          }
                          int permits = request.getPermits() == 0 ? 1 : request.getPermits();
                          if (permits < 0 || permits > capacity) {
                            throw new ServiceException(
                                Status.BAD_REQUEST,
                                "permits: " + Integer.toUnsignedString(request.getPermits())
                                    + " (expected: 1 to the bucket capacity " + capacity + ")");
                          }
                          long id = ++nextId[0];
                          pending.put(id, a.call());
                          sharding
                              .entityRefFor(BUCKETS, bucketId(CallerIdentity.of(a.call().headers()), key))
                              .tell(
                                  BucketAcquire.newBuilder()
                                      .setPermits(permits)
                                      .setCallId(id)
                                      .setReplyTo(replyTo)
                                      .build());
                          return Behaviors.same();
                        })
                    .onMessage(
                        Outcome.class,
                        o -> {
                          Call<AcquireRequest, AcquireReply> call = pending.remove(o.outcome().getCallId());
                          if (call != null && !call.isExpired()) {
                            call.reply(
                                AcquireReply.newBuilder()
                                    .setAllowed(o.outcome().getAllowed())
                                    .setWaitMs(o.outcome().getWaitMs())
                                    .setRemaining(o.outcome().getRemaining())
                                    .build());
                          }
                          return Behaviors.same();
                        })
                    .onMessage(
                        Sweep.class,
                        s -> {
                          // Calls whose bucket never answered (its node lost): their clients have
                          // had DEADLINE_EXCEEDED already; forget them.
                          for (Iterator<Call<AcquireRequest, AcquireReply>> it = pending.values().iterator(); it.hasNext(); ) {
                            if (it.next().isExpired()) {
                              it.remove();
                            }
                          }
                          return Behaviors.same();
                        })
                    .build();
              });
        });
  }

  /** Starts the bucket ids of authenticated callers; no key may start with it. */
  static final char CLIENT_SCOPE = '\u0000';

  /**
   * The bucket of {@code key} for {@code client} (null: a caller the node did not authenticate):
   * the key itself, or U+0000, the client's name, U+0000 and the key. Ids of different clients,
   * and of no client, never meet: a key cannot start with U+0000, and a client name holds none
   * (meshwork.auth names are plain; one that did would have it replaced by '?').
   */
  static String bucketId(String client, String key) {
    if (client == null) {
      return key;
    }
    return CLIENT_SCOPE + client.replace(CLIENT_SCOPE, '?') + CLIENT_SCOPE + key;
  }

  /** One key's token bucket. */
  static final class Bucket {
    private Bucket() {}

    static Behavior<BucketAcquire> create(int capacity, double refillPerSecond) {
      return Behaviors.setup(
          ctx -> {
            ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
            // Reply paths are the few ratelimit instances' adapters: resolved once each.
            Map<String, ActorRef<BucketOutcome>> replyPaths = new HashMap<>();
            double[] tokens = {capacity};
            long[] last = {System.nanoTime()};
            return Behaviors.receiveMessage(
                acquire -> {
                  long now = System.nanoTime();
                  tokens[0] = Math.min(capacity, tokens[0] + (now - last[0]) / 1e9 * refillPerSecond);
                  last[0] = now;
                  boolean allowed = tokens[0] >= acquire.getPermits();
                  long waitMs = 0;
                  if (allowed) {
                    tokens[0] -= acquire.getPermits();
                  } else {
                    waitMs = (long) Math.ceil((acquire.getPermits() - tokens[0]) / refillPerSecond * 1000);
                  }
                  if (replyPaths.size() > 64) {
                    replyPaths.clear(); // paths of instances long gone are not kept forever
                  }
                  ActorRef<BucketOutcome> replyTo =
                      replyPaths.computeIfAbsent(acquire.getReplyTo(), resolver::resolveActorRef);
                  replyTo.tell(
                      BucketOutcome.newBuilder()
                          .setCallId(acquire.getCallId())
                          .setAllowed(allowed)
                          .setWaitMs(waitMs)
                          .setRemaining((int) Math.floor(tokens[0]))
                          .build());
                  return Behaviors.same();
                });
          });
    }
  }
}
