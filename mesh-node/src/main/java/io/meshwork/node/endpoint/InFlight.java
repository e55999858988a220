package io.meshwork.node.endpoint;

import io.meshwork.service.internal.CallMessage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The calls of one connection that await their answer: by call id, and in deadline order on an
 * intrusive doubly linked list, so that answering a call unlinks it at once (nothing answered is
 * kept) and the deadline timer only ever looks at the first entry. Deadlines mostly share the
 * default, so a new call usually goes straight to the end. Not thread-safe: one connection stage.
 */
final class InFlight {
  /** Visits every call in flight, streaming ones included. */
  void forEach(Consumer<Call> action) {
    for (Call c : values) {
      if (c != null) {
        action.accept(c);
      }
    }
  }

  /**
   * Takes a call off the deadline order, keeping it in flight: a stream that has started lasts
   * until it ends, whatever its deadline.
   */
  void detachDeadline(Call call) {
    if (call.prev != null || first == call) {
      unlink(call);
    }
  }

  /** One call in flight. */
  static final class Call {
    final long callId;
    final long clientId;
    final long deadlineNanos;
    /** The instance's outstanding-call counter when its service routes by least-outstanding. */
    AtomicInteger outstanding;
    /** The node's count of calls in flight, while this call counts in it. */
    java.util.concurrent.atomic.LongAdder nodeInFlight;
    /** The instance serving the call. */
    ActorRef<CallMessage> instance;
    /** True once a stream item arrived: the deadline no longer applies. */
    boolean streaming;
    /** The call's meters, or null when metrics are off. */
    io.meshwork.node.metrics.MethodMeters meters;
    /** When the request was read ({@link System#nanoTime()}), for its duration. */
    long startNanos;
    /** The call's span when the node exports traces, else null. */
    io.opentelemetry.api.trace.Span span;
    private Call prev;
    private Call next;

    /** The bytes of the read the request came in, held until the call ends. */
    ConnectionLedger.Chunk chunk;

    /** The call is answered or abandoned: it no longer counts against its instance. */
    void release() {
      if (chunk != null) {
        chunk.release();
        chunk = null;
      }
      if (outstanding != null) {
        outstanding.decrementAndGet();
        outstanding = null;
      }
      if (nodeInFlight != null) {
        nodeInFlight.decrement();
        nodeInFlight = null;
        if (meters != null) {
          meters.released(); // counted in its service's calls in flight since it was admitted
        }
      }
    }

    /** The call got its final status: released, counted by status, and its span ended. */
    void finish(io.meshwork.protocol.v1.Status status, String error) {
      release();
      if (meters != null) {
        meters.answered(status);
      }
      if (span != null) {
        io.meshwork.node.tracing.NodeTracing.end(span, status, error);
      }
    }

    /** The call's connection closed before its final reply: released, its span ended. */
    void abandon(String reason) {
      release();
      if (span != null) {
        io.meshwork.node.tracing.NodeTracing.abandoned(span, reason);
      }
    }

    private Call(long callId, long clientId, long deadlineNanos) {
      this.callId = callId;
      this.clientId = clientId;
      this.deadlineNanos = deadlineNanos;
    }
  }

  // Open addressing by call id (never 0), linear probing, at most half full: no boxing per call.
  private long[] keys = new long[16];
  private Call[] values = new Call[16];
  private int size;
  private Call first;
  private Call last;

  int size() {
    return size;
  }

  /** Adds a call; returns it. */
  Call add(long callId, long clientId, long deadlineNanos) {
    Call call = new Call(callId, clientId, deadlineNanos);
    put(call);
    Call after = last;
    while (after != null && after.deadlineNanos - deadlineNanos > 0) {
      after = after.prev;
    }
    call.prev = after;
    call.next = after == null ? first : after.next;
    if (call.next == null) {
      last = call;
    } else {
      call.next.prev = call;
    }
    if (after == null) {
      first = call;
    } else {
      after.next = call;
    }
    return call;
  }

  Call get(long callId) {
    int i = find(callId);
    return i < 0 ? null : values[i];
  }

  /** Removes and returns the call, or null when it is not in flight (answered, or timed out). */
  Call remove(long callId) {
    int i = find(callId);
    if (i < 0) {
      return null;
    }
    Call call = values[i];
    delete(i);
    if (call.prev != null || first == call) {
      unlink(call); // not for a streaming call, already off the deadline order
    }
    return call;
  }

  /** The call with the earliest deadline, or null. */
  Call first() {
    return first;
  }

  /** Removes and returns the first call if its deadline is at or before {@code now}, else null. */
  Call pollExpired(long now) {
    Call call = first;
    if (call == null || call.deadlineNanos - now > 0) {
      return null;
    }
    delete(find(call.callId));
    unlink(call);
    return call;
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private int find(long key) {
    int mask = keys.length - 1;
    for (int i = slot(key, mask); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == key) {
        return i;
      }
      if (k == 0) {
        return -1;
      }
    }
  }

  private void put(Call call) {
    if (call.callId == 0) {
      throw new IllegalArgumentException("call id 0");
    }
    if (2 * (size + 1) > keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    int i = slot(call.callId, mask);
    while (keys[i] != 0) {
      if (keys[i] == call.callId) {
        throw new IllegalStateException("call id " + call.callId + " already in flight");
      }
      i = (i + 1) & mask;
    }
    keys[i] = call.callId;
    values[i] = call;
    size++;
  }

  /** Empties slot {@code i}, moving later entries of the same probe run back (no tombstones). */
  private void delete(int i) {
    int mask = keys.length - 1;
    int hole = i;
    for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    values[hole] = null;
    size--;
  }

  private void grow() {
    long[] oldKeys = keys;
    Call[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new Call[oldKeys.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        put(oldValues[i]);
      }
    }
  }

  private void unlink(Call call) {
    if (call.prev == null) {
      first = call.next;
    } else {
      call.prev.next = call.next;
    }
    if (call.next == null) {
      last = call.prev;
    } else {
      call.next.prev = call.prev;
    }
    call.prev = null;
    call.next = null;
  }
}
