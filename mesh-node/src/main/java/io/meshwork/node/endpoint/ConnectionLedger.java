package io.meshwork.node.endpoint;

/**
 * The bytes one client connection makes the node hold, counted against the connection's budget
 * and reported to the node's ({@link NodeMemory}):
 *
 * <ul>
 *   <li>each read's array, from the read until the parser is through it and every call made of
 *       its bytes has ended: a request's payload is a slice of the read's array (no copy), so a
 *       call in flight holds the whole array, however small the call ({@link Chunk});
 *   <li>a frame split across reads, as the parser assembles it, and then as the call it becomes;
 *   <li>replies queued for the client, and the batch being written to the socket.
 * </ul>
 *
 * <p>A call ends (and releases its bytes) at its final reply, its deadline, or the connection's
 * close, whatever the service still does with it. Not thread-safe: one connection stage; only the
 * per-event {@link #sync} touches the node's shared counter.
 */
final class ConnectionLedger {
  /** The bytes of one read (or one assembled frame), held while anything still refers to them. */
  static final class Chunk {
    private final ConnectionLedger ledger;
    private final int bytes;
    private int refs = 1;

    private Chunk(ConnectionLedger ledger, int bytes) {
      this.ledger = ledger;
      this.bytes = bytes;
    }

    /** One more call is made of this chunk's bytes. */
    Chunk retain() {
      refs++;
      return this;
    }

    /** A call made of this chunk, or the parser, is done with it. */
    void release() {
      if (--refs == 0) {
        ledger.held -= bytes;
      }
    }
  }

  private final NodeMemory node;
  private final long budget;
  private long held;
  private long reported;
  /** The read the parser is in, or null once it is through it. */
  private Chunk reading;
  private int assembly;
  private long writing;

  ConnectionLedger(NodeMemory node, long budget) {
    this.node = node;
    this.budget = budget;
  }

  /** Bytes this connection holds now. */
  long held() {
    return held;
  }

  /** True while the connection is under its own budget: it may read more. */
  boolean underBudget() {
    return held < budget;
  }

  long budget() {
    return budget;
  }

  /** A read of {@code bytes} arrived and is handed to the parser. */
  void read(int bytes) {
    if (reading != null) {
      reading.release();
    }
    reading = new Chunk(this, bytes);
    held += bytes;
  }

  /** The parser is through the last read: only calls made of it still hold it. */
  void readConsumed() {
    if (reading != null) {
      reading.release();
      reading = null;
    }
  }

  /**
   * The bytes a call made of the current frame holds: the read it lies in, or (for a frame that
   * spanned reads) the assembled frame of {@code frameLength} bytes.
   */
  Chunk forCall(boolean inRead, int frameLength) {
    if (inRead && reading != null) {
      return reading.retain();
    }
    held += frameLength;
    return new Chunk(this, frameLength);
  }

  /** The parser's own assembly buffer is now {@code bytes}. */
  void assembly(int bytes) {
    held += bytes - assembly;
    assembly = bytes;
  }

  /** Reply bytes queued for the client (negative: taken from the queue). */
  void queued(long bytes) {
    held += bytes;
  }

  /** A batch of {@code bytes} was handed to the socket; the previous one is written. */
  void writing(long bytes) {
    held += bytes - writing;
    writing = bytes;
  }

  /** Reports what changed since the last sync to the node: once per event. */
  void sync() {
    long delta = held - reported;
    if (delta != 0) {
      reported = held;
      node.add(delta);
    }
  }

  /** The connection is closed: everything it reported is released at the node. */
  void close() {
    node.add(-reported);
    reported = 0;
    held = 0;
  }
}
