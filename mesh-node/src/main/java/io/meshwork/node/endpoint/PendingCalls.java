package io.meshwork.node.endpoint;

import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.ServiceCall;
import io.meshwork.service.internal.ServiceCallBatch;
import java.util.ArrayList;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Calls gathered for one service instance, to travel as one message: at most {@link #MAX_CALLS}
 * calls and, for an instance on another node, at most {@code maxBytes} (a little below Artery's
 * largest frame), so that a batch is never too large to cross. Not thread-safe.
 */
final class PendingCalls {
  /** Most calls one message carries. */
  static final int MAX_CALLS = 256;

  final ActorRef<CallMessage> instance;
  private final long maxBytes;
  private final ArrayList<ServiceCall> calls = new ArrayList<>();
  private long bytes;

  PendingCalls(ActorRef<CallMessage> instance, long maxBytes) {
    this.instance = instance;
    this.maxBytes = maxBytes;
  }

  void add(ServiceCall call) {
    long size = estimatedSize(call);
    if (!calls.isEmpty() && bytes + size > maxBytes) {
      send();
    }
    calls.add(call);
    bytes += size;
    if (calls.size() >= MAX_CALLS) {
      send();
    }
  }

  /** Sends what is gathered (a lone call as itself) and starts over. */
  void send() {
    if (calls.isEmpty()) {
      return;
    }
    instance.tell(calls.size() == 1 ? calls.get(0) : new ServiceCallBatch(calls));
    calls.clear();
    bytes = 0;
  }

  /** An upper estimate of a call's serialized size (see MeshSerializer). */
  static long estimatedSize(ServiceCall call) {
    long size = 48 + call.payload().size() + 3L * call.method().length();
    if (!call.headers().isEmpty()) {
      for (Map.Entry<String, String> e : call.headers().entrySet()) {
        size += 16 + 3L * (e.getKey().length() + e.getValue().length());
      }
    }
    return size;
  }
}
