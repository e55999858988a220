package io.meshwork.node.endpoint;

import java.util.HashMap;

/**
 * The calls of one connection that await their answer: by call id, and in deadline order on an
 * intrusive doubly linked list, so that answering a call unlinks it at once (nothing answered is
 * kept) and the deadline timer only ever looks at the first entry. Deadlines mostly share the
 * default, so a new call usually goes straight to the end. Not thread-safe: one connection stage.
 */
final class InFlight {
  /** One call in flight. */
  static final class Call {
    final long callId;
    final long clientId;
    final long deadlineNanos;
    private Call prev;
    private Call next;

    private Call(long callId, long clientId, long deadlineNanos) {
      this.callId = callId;
      this.clientId = clientId;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final HashMap<Long, Call> byId = new HashMap<>();
  private Call first;
  private Call last;

  int size() {
    return byId.size();
  }

  /** Adds a call; returns it. */
  Call add(long callId, long clientId, long deadlineNanos) {
    Call call = new Call(callId, clientId, deadlineNanos);
    byId.put(callId, call);
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
    return byId.get(callId);
  }

  /** Removes and returns the call, or null when it is not in flight (answered, or timed out). */
  Call remove(long callId) {
    Call call = byId.remove(callId);
    if (call != null) {
      unlink(call);
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
    byId.remove(call.callId);
    unlink(call);
    return call;
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
