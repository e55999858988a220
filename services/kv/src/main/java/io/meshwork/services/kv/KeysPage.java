package io.meshwork.services.kv;

import static java.util.Objects.requireNonNull;

import io.meshwork.protocol.services.v1.KvKeysReply;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One page of a {@code keys} call, gathered from keys offered in any order (bucket by bucket): the
 * smallest keys that start with the prefix and come after {@code startAfter}, at most {@code limit}
 * of them and at most {@code maxReplyBytes} in the reply. It holds at most {@code limit + 1} keys,
 * and no more key bytes than one page and one key, whatever the store holds.
 */
final class KeysPage {
  /** Bytes of protobuf framing counted per key: a tag and a length of up to 2 bytes (< 16 KiB). */
  static final int KEY_FRAMING = 3;

  private final String prefix;
  private final String startAfter;
  private final int limit;
  private final long maxReplyBytes;
  // Largest first, so the head is the one to drop.
  private final PriorityQueue<String> smallest = new PriorityQueue<>(Comparator.reverseOrder());
  private long heldBytes;
  /** A matching key was left out: there is more after the page. */
  private boolean dropped;

  KeysPage(String prefix, String startAfter, int limit, long maxReplyBytes) {
    this.prefix = requireNonNull(prefix, "prefix");
    this.startAfter = requireNonNull(startAfter, "startAfter");
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
    }
    if (maxReplyBytes < 1) {
      throw new IllegalArgumentException("maxReplyBytes: " + maxReplyBytes + " (expected: > 0)");
    }
    this.limit = limit;
    this.maxReplyBytes = maxReplyBytes;
  }

  /** Takes {@code key} into the page if it matches and is among the smallest so far. */
  void offer(String key) {
    if (!key.startsWith(prefix) || key.compareTo(startAfter) <= 0) {
      return;
    }
    if (smallest.size() > limit && key.compareTo(smallest.peek()) >= 0) {
      dropped = true; // limit + 1 smaller keys are held already: this one cannot be in the page
      return;
    }
    smallest.add(key);
    heldBytes += bytes(key);
    // Held: limit + 1 keys (the extra one says "truncated"); and no key past the one that takes
    // the page over its byte budget (that one says "truncated" too).
    while (smallest.size() > limit + 1 || heldBytes - bytes(smallest.peek()) > maxReplyBytes) {
      heldBytes -= bytes(smallest.poll());
      dropped = true;
    }
  }

  /**
   * The page: the smallest keys in ascending order, while they fit limit and maxReplyBytes (the
   * first always, so that paging moves on; the settings make max-reply-bytes hold any key). When
   * more keys follow, truncated is set and next_start_after is the page's last key.
   */
  KvKeysReply reply() {
    List<String> sorted = new ArrayList<>(smallest);
    sorted.sort(null);
    KvKeysReply.Builder reply = KvKeysReply.newBuilder();
    long bytes = 0;
    int n = 0;
    for (String key : sorted) {
      bytes += bytes(key);
      if (n == limit || (n > 0 && bytes > maxReplyBytes)) {
        break;
      }
      reply.addKeys(key);
      n++;
    }
    boolean truncated = dropped || n < sorted.size();
    reply.setTruncated(truncated);
    if (truncated) {
      reply.setNextStartAfter(sorted.get(n - 1));
    }
    return reply.build();
  }

  private static long bytes(String key) {
    return Utf8.length(key) + (long) KEY_FRAMING;
  }
}
