package io.meshwork.node.endpoint;

import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.CallResultBatch;
import io.meshwork.service.internal.CancelConnection;
import io.meshwork.service.internal.ReplyMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's one reply path for calls it forwards to other nodes. A call sent across nodes names
 * this actor, not its connection, as its reply path; its call id carries the connection's number
 * ({@link #callId}), and this actor hands each result to that connection.
 *
 * <p>Why: a remote node replying to thousands of connections would otherwise address thousands of
 * distinct actors, and Artery resolves and compresses recipients through caches of about a
 * thousand entries; beyond that every reply pays a full path resolution on both nodes. With one
 * recipient per node, every reply hits those caches.
 */
public final class RemoteReplies {
  /** Bits of a call id that number a connection's calls; the bits above number the connection. */
  static final int SEQUENCE_BITS = CancelConnection.SEQUENCE_BITS; // one layout for both

  static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

  private final ConcurrentHashMap<Long, ActorRef<ReplyMessage>> connections =
      new ConcurrentHashMap<>();
  private final AtomicLong nextConnection = new AtomicLong();
  private final ActorRef<ReplyMessage> ref;
  private final long maxBatchBytes;

  private RemoteReplies(ActorSystem<?> system, String dispatcher, String name) {
    // A batch of calls must fit in one Artery frame, with room for the envelope around it.
    this.maxBatchBytes =
        system.settings().config().getBytes("pekko.remote.artery.advanced.maximum-frame-size")
            - 64 * 1024;
    this.ref =
        system.systemActorOf(router(), name, DispatcherSelector.fromConfig(dispatcher));
  }

  /** Starts the reply path of one endpoint. */
  public static RemoteReplies start(ActorSystem<?> system, String dispatcher, String name) {
    return new RemoteReplies(system, dispatcher, name);
  }

  /** The most bytes of calls one message to another node may carry. */
  long maxBatchBytes() {
    return maxBatchBytes;
  }

  /** The reply path to put in calls that go to another node. */
  ActorRef<ReplyMessage> ref() {
    return ref;
  }

  /** Registers a connection's own reply path; returns the connection's number. */
  long register(ActorRef<ReplyMessage> connection) {
    long number = nextConnection.incrementAndGet();
    connections.put(number, connection);
    return number;
  }

  void unregister(long number) {
    connections.remove(number);
  }

  /** The call id of a connection's {@code sequence}-th call (never 0). */
  static long callId(long connection, long sequence) {
    return (connection << SEQUENCE_BITS) | (sequence & SEQUENCE_MASK);
  }

  static long connectionOf(long callId) {
    return CancelConnection.connectionOf(callId);
  }

  private Behavior<ReplyMessage> router() {
    return Behaviors.receiveMessage(
        message -> {
          if (message instanceof CallResult result) {
            forward(connectionOf(result.callId()), result);
          } else if (message instanceof CallResultBatch batch) {
            route(batch.results());
          }
          return Behaviors.same();
        });
  }

  /** Splits a batch by connection (usually all one), keeping each connection's order. */
  private void route(List<CallResult> results) {
    int from = 0;
    while (from < results.size()) {
      long connection = connectionOf(results.get(from).callId());
      int to = from + 1;
      while (to < results.size() && connectionOf(results.get(to).callId()) == connection) {
        to++;
      }
      if (to - from == 1) {
        forward(connection, results.get(from));
      } else {
        forward(connection, new CallResultBatch(new ArrayList<>(results.subList(from, to))));
      }
      from = to;
    }
  }

  private void forward(long connection, ReplyMessage message) {
    ActorRef<ReplyMessage> target = connections.get(connection);
    if (target != null) {
      target.tell(message);
    } // else: the connection has closed; nobody waits for this reply
  }
}
