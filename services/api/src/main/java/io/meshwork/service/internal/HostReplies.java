package io.meshwork.service.internal;

import io.meshwork.protocol.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a hosting instance sends its replies: those produced while it handles a batch of calls are
 * collected and leave as one {@link CallResultBatch} per reply path (split so that each fits an
 * Artery frame); those produced later, from another thread, leave at once. An {@code INTERNAL}
 * answer is logged, at most once per 10 s.
 */
final class HostReplies implements ReplySink {
  private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

  private static final long INTERNAL_WARN_INTERVAL_NANOS = 10_000_000_000L;

  private final String service;
  private final long maxReplyBatchBytes;

  /** Replies collected while this thread handles calls, by reply path; sent when it is done. */
  private final Map<ActorRef<ReplyMessage>, List<CallResult>> pendingReplies =
      new LinkedHashMap<>();

  private Thread handlingThread;

  /** When the last INTERNAL line was logged (nanoTime, 0: never), and how many were held back. */
  private final long[] internalWarnings = new long[2];

  HostReplies(String service, long maxReplyBatchBytes) {
    this.service = service;
    this.maxReplyBatchBytes = maxReplyBatchBytes;
  }

  /** From now until {@link #endBatch}, replies on this thread are collected. */
  void startBatch() {
    handlingThread = Thread.currentThread();
  }

  /** Sends the replies collected since {@link #startBatch}. */
  void endBatch() {
    handlingThread = null;
    flush();
  }

  @Override
  public void send(ActorRef<ReplyMessage> replyTo, CallResult result) {
    if (result.status() == Status.INTERNAL) {
      // A failure the service reports as its own fault: worth an operator's look. (With the
      // call's trace id when it is answered while the host handles the call.) At most one line
      // per 10 s, so that callers cannot flood the log (the conformance service answers
      // INTERNAL on request); the lines held back are counted in the next one.
      long now = System.nanoTime();
      synchronized (internalWarnings) {
        if (internalWarnings[0] != 0 && now - internalWarnings[0] < INTERNAL_WARN_INTERVAL_NANOS) {
          internalWarnings[1]++;
        } else {
          long heldBack = internalWarnings[1];
          internalWarnings[0] = now;
          internalWarnings[1] = 0;
          if (heldBack == 0) {
            log.warn("Service {} answered INTERNAL: {}", service, result.error());
          } else {
            log.warn(
                "Service {} answered INTERNAL: {} (and {} more INTERNAL answers not logged since the last line)",
                service, result.error(), heldBack);
          }
        }
      }
    }
    deliver(replyTo, result);
  }

  /** Sends (or collects) a reply, without the INTERNAL log line. */
  void deliver(ActorRef<ReplyMessage> replyTo, CallResult result) {
    if (Thread.currentThread() != handlingThread) {
      replyTo.tell(result); // answered later, e.g. from a future's callback
      return;
    }
    pendingReplies.computeIfAbsent(replyTo, r -> new ArrayList<>(4)).add(result);
  }

  private void flush() {
    if (pendingReplies.isEmpty()) {
      return;
    }
    for (Map.Entry<ActorRef<ReplyMessage>, List<CallResult>> e : pendingReplies.entrySet()) {
      List<CallResult> results = e.getValue();
      int from = 0;
      long bytes = 0;
      for (int i = 0; i < results.size(); i++) {
        long size = 32 + results.get(i).payload().size() + 3L * results.get(i).error().length();
        if (i > from && bytes + size > maxReplyBatchBytes) {
          send(e.getKey(), results.subList(from, i));
          from = i;
          bytes = 0;
        }
        bytes += size;
      }
      send(e.getKey(), results.subList(from, results.size()));
    }
    pendingReplies.clear();
  }

  private static void send(ActorRef<ReplyMessage> replyTo, List<CallResult> results) {
    replyTo.tell(results.size() == 1 ? results.get(0) : new CallResultBatch(results));
  }
}
