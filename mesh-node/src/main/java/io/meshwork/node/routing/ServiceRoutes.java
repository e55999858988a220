package io.meshwork.node.routing;

import io.meshwork.service.internal.CallMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The instances of one service as this node sees them, and how a call picks one of them (its
 * {@link RoutingStrategy}). Immutable apart from the round-robin cursor and the shared
 * outstanding-call counters; rebuilt by {@link ServiceDirectory} on every listing change.
 *
 * @param local reachable instances on this node
 * @param remote reachable instances on other nodes
 * @param unreachable instances on nodes that are currently unreachable (never routed to)
 */
public record ServiceRoutes(
    String name,
    List<ActorRef<CallMessage>> local,
    List<ActorRef<CallMessage>> remote,
    List<ActorRef<CallMessage>> unreachable,
    RoutingStrategy strategy,
    AtomicInteger cursor,
    Internals internals) {

  /** Virtual points per instance on the consistent-hash ring. */
  static final int POINTS_PER_INSTANCE = 160;

  /** Local first, no outstanding-call counters. */
  public ServiceRoutes(
      String name,
      List<ActorRef<CallMessage>> local,
      List<ActorRef<CallMessage>> remote,
      List<ActorRef<CallMessage>> unreachable) {
    this(name, local, remote, unreachable, new RoutingStrategy.LocalFirst(), ref -> new AtomicInteger());
  }

  /**
   * @param outstanding the node-wide counter of calls outstanding at an instance (used by
   *     least-outstanding; counters outlive one listing)
   */
  public ServiceRoutes(
      String name,
      List<ActorRef<CallMessage>> local,
      List<ActorRef<CallMessage>> remote,
      List<ActorRef<CallMessage>> unreachable,
      RoutingStrategy strategy,
      Function<ActorRef<CallMessage>, AtomicInteger> outstanding) {
    this(
        name,
        List.copyOf(local),
        List.copyOf(remote),
        List.copyOf(unreachable),
        strategy,
        new AtomicInteger(),
        Internals.build(local, remote, strategy, outstanding));
  }

  /** Precomputed per strategy: all reachable instances, their counters, the hash ring. */
  public record Internals(
      List<ActorRef<CallMessage>> reachable,
      AtomicInteger[] counters,
      long[] ringPoints,
      int[] ringOwners) {

    static Internals build(
        List<ActorRef<CallMessage>> local,
        List<ActorRef<CallMessage>> remote,
        RoutingStrategy strategy,
        Function<ActorRef<CallMessage>, AtomicInteger> outstanding) {
      List<ActorRef<CallMessage>> reachable = new ArrayList<>(local);
      reachable.addAll(remote);
      AtomicInteger[] counters = null;
      if (strategy instanceof RoutingStrategy.LeastOutstanding) {
        counters = new AtomicInteger[reachable.size()];
        for (int i = 0; i < counters.length; i++) {
          counters[i] = outstanding.apply(reachable.get(i));
        }
      }
      long[] points = null;
      int[] owners = null;
      if (strategy instanceof RoutingStrategy.ConsistentHash) {
        int n = reachable.size() * POINTS_PER_INSTANCE;
        long[][] pairs = new long[n][2];
        for (int i = 0; i < reachable.size(); i++) {
          // The instance's path without its uid: stable while the node keeps its address.
          String id = reachable.get(i).path().toStringWithoutAddress() + "@" + reachable.get(i).path().address();
          for (int v = 0; v < POINTS_PER_INSTANCE; v++) {
            pairs[i * POINTS_PER_INSTANCE + v] = new long[] {hash(id + "#" + v), i};
          }
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        points = new long[n];
        owners = new int[n];
        for (int k = 0; k < n; k++) {
          points[k] = pairs[k][0];
          owners[k] = (int) pairs[k][1];
        }
      }
      return new Internals(List.copyOf(reachable), counters, points, owners);
    }
  }

  /**
   * An instance to call, or null: no reachable instance, or (consistent-hash) the request lacks
   * the header; {@link RoutingTable#miss} tells which.
   */
  public ActorRef<CallMessage> pick(Map<String, String> headers) {
    List<ActorRef<CallMessage>> all = internals.reachable();
    if (all.isEmpty()) {
      return null;
    }
    if (strategy instanceof RoutingStrategy.LocalFirst) {
      return roundRobin(local.isEmpty() ? remote : local);
    }
    if (strategy instanceof RoutingStrategy.RoundRobin) {
      return roundRobin(all);
    }
    if (strategy instanceof RoutingStrategy.LeastOutstanding) {
      int n = all.size();
      if (n == 1) {
        return all.get(0);
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int i = random.nextInt(n);
      int j = random.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
      AtomicInteger[] counters = internals.counters();
      return all.get(counters[j].get() < counters[i].get() ? j : i);
    }
    String key = headers.get(((RoutingStrategy.ConsistentHash) strategy).header());
    if (key == null) {
      return null;
    }
    long h = hash(key);
    long[] points = internals.ringPoints();
    int k = Arrays.binarySearch(points, h);
    if (k < 0) {
      k = -k - 1;
    }
    return all.get(internals.ringOwners()[k == points.length ? 0 : k]);
  }

  /** An instance to call under local-first, ignoring headers. */
  public ActorRef<CallMessage> pick() {
    return pick(Map.of());
  }

  /** The node-wide outstanding-call counter of {@code instance}, or null when not tracked. */
  public AtomicInteger outstanding(ActorRef<CallMessage> instance) {
    AtomicInteger[] counters = internals.counters();
    if (counters == null) {
      return null;
    }
    List<ActorRef<CallMessage>> all = internals.reachable();
    for (int i = 0; i < counters.length; i++) {
      if (all.get(i) == instance) {
        return counters[i];
      }
    }
    return null;
  }

  public boolean hasReachableInstance() {
    return !local.isEmpty() || !remote.isEmpty();
  }

  private ActorRef<CallMessage> roundRobin(List<ActorRef<CallMessage>> candidates) {
    int n = candidates.size();
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return candidates.get(0);
    }
    return candidates.get(Math.floorMod(cursor.getAndIncrement(), n));
  }

  /** 64-bit FNV-1a over UTF-8, finished with MurmurHash3's fmix64 for an even spread. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
