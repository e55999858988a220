package io.meshwork.node.endpoint;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bytes all client connections of the node hold, against the node's budget ({@code
 * meshwork.endpoint.memory.node-budget}). Each connection keeps its own count ({@link
 * ConnectionLedger}) and reports what changed once per event, so the hot path adds to a striped
 * counter at most once per read or reply batch, never per call.
 *
 * <p>Over budget, a connection above its fair share (the budget divided by the connections open)
 * stops reading and waits here; as connections release bytes, the waiting ones are woken in the
 * order they came, a few per release, once the node is back under budget. A connection under its
 * fair share is never made to wait, so a flood from some connections cannot starve the others.
 */
public final class NodeMemory {
  /** Connections woken per release event: enough to refill quickly, few enough to stay cheap. */
  private static final int WAKE_PER_RELEASE = 16;

  private final long budget;
  private final LongAdder held = new LongAdder();
  private final AtomicInteger connections;
  private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

  /**
   * @param connections the node's open client connections (shared with the endpoints), for the
   *     fair share
   */
  public NodeMemory(long budget, AtomicInteger connections) {
    if (budget <= 0) {
      throw new IllegalArgumentException("budget: " + budget + " (expected: > 0)");
    }
    this.budget = budget;
    this.connections = connections;
  }

  /** The node's budget in bytes. */
  public long budget() {
    return budget;
  }

  /** Bytes held for clients now, all connections together. */
  public long held() {
    return held.sum();
  }

  /** Connections waiting for the node to get back under budget. */
  public int waiting() {
    return waiting.size();
  }

  /** A connection's change in bytes held; a release may wake waiting connections. */
  void add(long delta) {
    held.add(delta);
    if (delta < 0 && !waiting.isEmpty()) {
      wakeIfRoom();
    }
  }

  /**
   * True when a connection holding {@code connectionHeld} bytes may read more and have its calls
   * admitted: the node is under budget, or the connection is under its fair share of it.
   */
  boolean admits(long connectionHeld) {
    return connectionHeld < fairShare() || held.sum() < budget;
  }

  /** The budget divided among the connections open. */
  long fairShare() {
    return budget / Math.max(1, connections.get());
  }

  /**
   * Parks a connection that may not read now; {@code wake} runs once (on any thread) when the
   * node is back under budget, or at once if it already is.
   */
  void await(Runnable wake) {
    waiting.add(wake);
    wakeIfRoom(); // the bytes may have been released in between
  }

  private void wakeIfRoom() {
    for (int i = 0; i < WAKE_PER_RELEASE && held.sum() < budget; i++) {
      Runnable next = waiting.poll();
      if (next == null) {
        return;
      }
      next.run();
    }
  }
}
