package io.meshwork.node.endpoint;

import io.meshwork.node.transport.EventLoop;
import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.ServiceCall;
import java.util.ArrayList;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Gathers, per event loop, the calls that all its connections send to instances on other nodes
 * during one turn of the loop, and sends them as one message per instance once the work queued in
 * that turn is done. Ten thousand connections with one call each then cross to the other node as
 * a few dozen Artery messages instead of ten thousand, which keeps Artery's bounded send queue far
 * from overflowing (an overflowing queue drops messages, and each dropped call would end only at
 * its deadline). Replies find their connections through {@link RemoteReplies}.
 */
final class RemoteCallBatcher {
  private static final ThreadLocal<RemoteCallBatcher> CURRENT = new ThreadLocal<>();

  /** Remote instances remembered between turns before the list is started afresh. */
  private static final int MAX_REMEMBERED_INSTANCES = 64;

  private final EventLoop loop;
  private final long maxBatchBytes;
  private final ArrayList<PendingCalls> pending = new ArrayList<>();
  private boolean flushQueued;

  private RemoteCallBatcher(EventLoop loop, long maxBatchBytes) {
    this.loop = loop;
    this.maxBatchBytes = maxBatchBytes;
  }

  /** The batcher of the calling event loop, or null when the caller is not on one. */
  static RemoteCallBatcher onThisLoop(long maxBatchBytes) {
    EventLoop loop = EventLoop.current();
    if (loop == null) {
      return null;
    }
    RemoteCallBatcher batcher = CURRENT.get();
    if (batcher == null) {
      batcher = new RemoteCallBatcher(loop, maxBatchBytes);
      CURRENT.set(batcher);
    }
    return batcher;
  }

  void add(ActorRef<CallMessage> instance, ServiceCall call) {
    PendingCalls calls = null;
    for (int i = 0; i < pending.size(); i++) {
      if (pending.get(i).instance.equals(instance)) {
        calls = pending.get(i);
        break;
      }
    }
    if (calls == null) {
      calls = new PendingCalls(instance, maxBatchBytes);
      pending.add(calls);
    }
    calls.add(call);
    if (!flushQueued) {
      flushQueued = true;
      loop.execute(this::flush); // behind the work already queued in this turn
    }
  }

  private void flush() {
    flushQueued = false;
    for (int i = 0; i < pending.size(); i++) {
      pending.get(i).send();
    }
    if (pending.size() > MAX_REMEMBERED_INSTANCES) {
      pending.clear(); // instances of nodes long gone are not kept forever
    }
  }
}
