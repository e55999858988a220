package io.meshwork.bench;

/**
 * The requests of one connection that await their reply: id to send time, without boxing.
 *
 * <p>Ids are handed out in increasing order and a request is stored at slot {@code id & mask}. A
 * new id whose slot is still taken (its reply is late) is skipped, so lookups never probe. The
 * table doubles when half full; two ids in different slots stay in different slots after a
 * doubling, as the mask only gains bits.
 */
final class InFlightCalls {
  /** Returned by {@link #remove} for an id that is not in flight. */
  static final long NOT_IN_FLIGHT = Long.MIN_VALUE;

  private long[] ids;
  private long[] sendTimes;
  private int mask;
  private int size;
  private long nextId = 1;

  InFlightCalls(int expectedInFlight) {
    int capacity = Integer.highestOneBit(Math.max(4, expectedInFlight) * 2 - 1) << 1;
    ids = new long[capacity];
    sendTimes = new long[capacity];
    mask = capacity - 1;
  }

  /** Stores a new request sent at {@code sendTime} (nanos) and returns its id (> 0). */
  long add(long sendTime) {
    if (size * 2 >= ids.length) {
      grow();
    }
    long id = nextId++;
    while (ids[(int) id & mask] != 0) {
      id = nextId++;
    }
    ids[(int) id & mask] = id;
    sendTimes[(int) id & mask] = sendTime;
    size++;
    return id;
  }

  /** Removes {@code id} and returns its send time, or {@link #NOT_IN_FLIGHT}. */
  long remove(long id) {
    int slot = (int) id & mask;
    if (id <= 0 || ids[slot] != id) {
      return NOT_IN_FLIGHT;
    }
    ids[slot] = 0;
    size--;
    return sendTimes[slot];
  }

  int size() {
    return size;
  }

  private void grow() {
    long[] oldIds = ids;
    long[] oldTimes = sendTimes;
    ids = new long[oldIds.length * 2];
    sendTimes = new long[oldIds.length * 2];
    mask = ids.length - 1;
    for (int i = 0; i < oldIds.length; i++) {
      if (oldIds[i] != 0) {
        ids[(int) oldIds[i] & mask] = oldIds[i];
        sendTimes[(int) oldIds[i] & mask] = oldTimes[i];
      }
    }
  }
}
