package io.meshwork.services.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.protocol.services.v1.KvKeysReply;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class KeysPageTest {
  private static KvKeysReply page(List<String> store, String prefix, String after, int limit, long maxBytes) {
    KeysPage page = new KeysPage(prefix, after, limit, maxBytes);
    store.forEach(page::offer);
    return page.reply();
  }

  /** Walks every page of store, checking each page's bounds; returns the keys in the order seen. */
  private static List<String> walk(List<String> store, String prefix, int limit, long maxBytes) {
    List<String> seen = new ArrayList<>();
    String after = "";
    for (int pages = 0; pages <= store.size() + 1; pages++) {
      KvKeysReply reply = page(store, prefix, after, limit, maxBytes);
      assertThat(reply.getKeysCount()).isBetween(reply.getTruncated() ? 1 : 0, limit);
      long bytes = reply.getKeysList().stream().mapToLong(k -> Utf8.length(k) + KeysPage.KEY_FRAMING).sum();
      assertThat(bytes).isLessThanOrEqualTo(maxBytes);
      seen.addAll(reply.getKeysList());
      if (!reply.getTruncated()) {
        assertThat(reply.getNextStartAfter()).isEmpty();
        return seen;
      }
      assertThat(reply.getNextStartAfter()).isEqualTo(reply.getKeys(reply.getKeysCount() - 1));
      after = reply.getNextStartAfter();
    }
    throw new AssertionError("paging did not end");
  }

  @Test
  void pagingWalksEveryMatchingKeyExactlyOnceInOrderWhateverTheOrderOffered() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      List<String> store = new ArrayList<>();
      int n = random.nextInt(300);
      for (int i = 0; i < n; i++) {
        // Short keys over a small alphabet: many share prefixes; some are multi-byte.
        StringBuilder key = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int j = 0; j < length; j++) {
          key.append("abé€".charAt(random.nextInt(4)));
        }
        store.add(key.toString());
      }
      store = new ArrayList<>(new TreeSet<>(store));
      Collections.shuffle(store, random);
      String prefix = random.nextBoolean() ? "" : "a";
      int limit = 1 + random.nextInt(20);
      long maxBytes = 40 + random.nextInt(100); // room for any key here (12 x 3 + 3 bytes)
      List<String> expected = store.stream().filter(k -> k.startsWith(prefix)).sorted().toList();
      assertThat(walk(store, prefix, limit, maxBytes)).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void aPageStopsAtItsByteBudgetAndSaysMoreFollow() {
    List<String> store = List.of("k3-xxxxxxxx", "k1-xxxxxxxx", "k2-xxxxxxxx"); // 11 + 3 bytes each
    KvKeysReply reply = page(store, "", "", 100, 30);
    assertThat(reply.getKeysList()).containsExactly("k1-xxxxxxxx", "k2-xxxxxxxx");
    assertThat(reply.getTruncated()).isTrue();
    assertThat(reply.getNextStartAfter()).isEqualTo("k2-xxxxxxxx");
  }

  @Test
  void aPageHoldsNoMoreThanLimitPlusOneKeysWhileScanning() throws Exception {
    KeysPage page = new KeysPage("", "", 10, 1 << 20);
    for (int i = 100_000; i > 0; i--) {
      page.offer("key-" + i);
    }
    var field = KeysPage.class.getDeclaredField("smallest");
    field.setAccessible(true);
    assertThat((java.util.Collection<?>) field.get(page)).hasSize(11);
    assertThat(page.reply().getKeysCount()).isEqualTo(10);
  }

  @Test
  void aPageThatEndsTheKeysIsNotTruncated() {
    KvKeysReply reply = page(List.of("b", "a", "c"), "", "a", 2, 100);
    assertThat(reply.getKeysList()).containsExactly("b", "c");
    assertThat(reply.getTruncated()).isFalse();
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> new KeysPage("", "", 0, 10)).hasMessage("limit: 0 (expected: > 0)");
  }
}
