package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import io.meshwork.service.CallerIdentity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The calls waiting for one instance of a service that handles one call at a time and may take
 * long over it (a {@code blocking()} service), kept so that no caller can make the others wait:
 *
 * <ul>
 *   <li>one lane per caller: the authenticated client ({@link CallerIdentity}) when there is one,
 *       else the client connection (its reply path and {@link CancelConnection#connectionOf the
 *       connection number} of the call id); calls are taken from the lanes in turn (round-robin),
 *       each lane's in arrival order;
 *   <li>bounded ({@link QueueLimits}): calls and payload bytes. When full, room is made by shedding
 *       the newest call of the longest lane, as long as that lane is longer than the newcomer's by
 *       more than one call; otherwise the newcomer is shed. A flood fills its own lane, never the
 *       others' share;
 *   <li>a call whose deadline has passed is dropped when it is reached, or earlier when the queue
 *       is full; a cancelled call (or connection) is dropped at once.
 * </ul>
 *
 * <p>Not thread-safe: used by the hosting actor only.
 */
final class FairCallQueue {
  /** One caller's lane. */
  private static final class Lane {
    final Object key;
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    int calls;
    long bytes;
    boolean inTurn;

    Lane(Object key) {
      this.key = key;
    }
  }

  /** A queued call; {@code call} is null once it was removed (left in its lane until reached). */
  private static final class Entry {
    ServiceCall call;
    final Lane lane;
    final long bytes;

    Entry(ServiceCall call, Lane lane) {
      this.call = call;
      this.lane = lane;
      this.bytes = call.payload().size();
    }
  }

  private record CallKey(long callId, ActorRef<ReplyMessage> replyTo) {}

  private record ConnectionKey(ActorRef<ReplyMessage> replyTo, long connection) {}

  private record ClientKey(String client) {}

  /** How often, at most, a full queue is searched for expired calls. */
  private static final long PURGE_INTERVAL_NANOS = 10_000_000L;

  private final QueueLimits limits;
  private final Map<Object, Lane> lanes = new HashMap<>();
  private final ArrayDeque<Lane> turns = new ArrayDeque<>();
  private final Map<CallKey, Entry> byCall = new HashMap<>();
  private int calls;
  private long bytes;
  private long lastPurge;

  FairCallQueue(QueueLimits limits) {
    this.limits = requireNonNull(limits, "limits");
  }

  int size() {
    return calls;
  }

  long bytes() {
    return bytes;
  }

  boolean isEmpty() {
    return calls == 0;
  }

  /**
   * Queues {@code call}, unless the bounds forbid it. Every call that is not queued (the newcomer
   * or calls it displaced) goes to {@code shed}, with the reason; every expired call found on the
   * way goes to {@code expired}.
   */
  void offer(ServiceCall call, long now, Shed shed, Consumer<ServiceCall> expired) {
    Lane own = lanes.computeIfAbsent(laneKey(call), Lane::new);
    long size = call.payload().size();
    if (!fits(size) && now - lastPurge > PURGE_INTERVAL_NANOS) {
      lastPurge = now;
      purgeExpired(now, expired);
    }
    while (!fits(size)) {
      Lane victim = longestLaneBut(own);
      if (victim == null || victim.calls <= own.calls + 1) {
        if (own.calls == 0 && !own.inTurn) {
          lanes.remove(own.key);
        }
        shed.shed(call, reason(size));
        return;
      }
      Entry evicted = newest(victim);
      ServiceCall displaced = evicted.call;
      remove(evicted);
      shed.shed(displaced, reason(size));
    }
    Entry entry = new Entry(call, own);
    own.entries.addLast(entry);
    own.calls++;
    own.bytes += size;
    calls++;
    bytes += size;
    byCall.put(new CallKey(call.callId(), call.replyTo()), entry);
    if (!own.inTurn) {
      own.inTurn = true;
      turns.addLast(own);
    }
  }

  /**
   * The next call to handle: the oldest of the lane whose turn it is, skipping (and handing to
   * {@code expired}) calls whose deadline has passed. Null when none is left.
   */
  ServiceCall poll(long now, Consumer<ServiceCall> expired) {
    while (true) {
      Lane lane = turns.pollFirst();
      if (lane == null) {
        return null;
      }
      lane.inTurn = false;
      Entry entry = lane.entries.pollFirst();
      while (entry != null && entry.call == null) {
        entry = lane.entries.pollFirst();
      }
      if (entry == null) {
        lanes.remove(lane.key);
        continue;
      }
      ServiceCall call = entry.call;
      remove(entry);
      if (lane.calls > 0) {
        lane.inTurn = true;
        turns.addLast(lane);
      } else {
        lanes.remove(lane.key);
        lane.entries.clear();
      }
      if (now - call.deadlineNanos() >= 0) {
        expired.accept(call);
        continue;
      }
      return call;
    }
  }

  /** Drops the queued call {@code callId} of {@code replyTo}; false when it is not queued. */
  boolean remove(long callId, ActorRef<ReplyMessage> replyTo) {
    Entry entry = byCall.get(new CallKey(callId, replyTo));
    if (entry == null) {
      return false;
    }
    remove(entry);
    return true;
  }

  /** Drops every queued call of the connection {@code cancel} names; returns how many. */
  int remove(CancelConnection cancel) {
    List<Entry> gone = new ArrayList<>();
    for (Entry entry : byCall.values()) {
      if (cancel.covers(entry.call.callId(), entry.call.replyTo())) {
        gone.add(entry);
      }
    }
    gone.forEach(this::remove);
    return gone.size();
  }

  private void purgeExpired(long now, Consumer<ServiceCall> expired) {
    List<Entry> gone = new ArrayList<>();
    for (Entry entry : byCall.values()) {
      if (now - entry.call.deadlineNanos() >= 0) {
        gone.add(entry);
      }
    }
    for (Entry entry : gone) {
      ServiceCall call = entry.call;
      remove(entry);
      expired.accept(call);
    }
  }

  /** Takes {@code entry} out of the counts and the index; its lane skips it when reached. */
  private void remove(Entry entry) {
    ServiceCall call = entry.call;
    byCall.remove(new CallKey(call.callId(), call.replyTo()));
    entry.call = null; // the payload is free at once
    Lane lane = entry.lane;
    lane.calls--;
    lane.bytes -= entry.bytes;
    calls--;
    bytes -= entry.bytes;
  }

  private boolean fits(long size) {
    return calls + 1 <= limits.maxCalls() && bytes + size <= limits.maxBytes();
  }

  private Lane longestLaneBut(Lane own) {
    Lane longest = null;
    for (Lane lane : turns) {
      if (lane != own && lane.calls > 0 && (longest == null || lane.calls > longest.calls)) {
        longest = lane;
      }
    }
    return longest;
  }

  /** The newest live entry of a lane that has one; dead entries at its end are dropped. */
  private static Entry newest(Lane lane) {
    Entry last = lane.entries.peekLast();
    while (last.call == null) {
      lane.entries.pollLast();
      last = lane.entries.peekLast();
    }
    return last;
  }

  private String reason(long size) {
    if (size > limits.maxBytes()) {
      return "a request of " + size + " bytes is larger than all the queue may hold ("
          + QueueLimits.MAX_BYTES_KEY + ": " + limits.maxBytes() + " bytes)";
    }
    if (calls + 1 > limits.maxCalls()) {
      return calls + " calls are queued on this node (" + QueueLimits.MAX_CALLS_KEY + ": "
          + limits.maxCalls() + "); the node sheds from the callers with the most";
    }
    return bytes + " bytes of requests are queued on this node (" + QueueLimits.MAX_BYTES_KEY
        + ": " + limits.maxBytes() + " bytes); the node sheds from the callers with the most";
  }

  private static Object laneKey(ServiceCall call) {
    String client = CallerIdentity.of(call.headers());
    if (client != null) {
      return new ClientKey(client);
    }
    return new ConnectionKey(call.replyTo(), CancelConnection.connectionOf(call.callId()));
  }

  /** Where calls that are not queued go, with the reason. */
  @FunctionalInterface
  interface Shed {
    void shed(ServiceCall call, String reason);
  }
}
