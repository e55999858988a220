package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InFlightTest {

  @Test
  void callsExpireInDeadlineOrderWhateverTheirArrivalOrder() {
    InFlight calls = new InFlight();
    calls.add(1, 101, 500);
    calls.add(2, 102, 100); // a shorter deadline than the ones before it
    calls.add(3, 103, 300);
    calls.add(4, 104, 900);

    assertThat(calls.first().callId).isEqualTo(2);
    assertThat(calls.pollExpired(50)).isNull();
    assertThat(calls.pollExpired(400).callId).isEqualTo(2);
    assertThat(calls.pollExpired(400).callId).isEqualTo(3);
    assertThat(calls.pollExpired(400)).isNull();
    assertThat(calls.size()).isEqualTo(2);
    assertThat(calls.pollExpired(1_000).clientId).isEqualTo(101);
    assertThat(calls.pollExpired(1_000).clientId).isEqualTo(104);
    assertThat(calls.first()).isNull();
    assertThat(calls.size()).isZero();
  }

  @Test
  void answeredCallsLeaveAtOnceAndNeverExpire() {
    InFlight calls = new InFlight();
    for (long id = 1; id <= 5; id++) {
      calls.add(id, id, id * 10);
    }
    assertThat(calls.remove(1).clientId).isEqualTo(1); // the first
    assertThat(calls.remove(3).clientId).isEqualTo(3); // one in the middle
    assertThat(calls.remove(5).clientId).isEqualTo(5); // the last
    assertThat(calls.remove(3)).as("answered twice").isNull();
    assertThat(calls.get(2)).isNotNull();
    assertThat(calls.pollExpired(100).callId).isEqualTo(2);
    assertThat(calls.pollExpired(100).callId).isEqualTo(4);
    assertThat(calls.pollExpired(100)).isNull();
    // The list is still consistent after emptying: new calls link as usual.
    calls.add(6, 6, 5);
    assertThat(calls.first().callId).isEqualTo(6);
  }

  @Test
  void deadlinesCompareSafelyAcrossNanoTimeOverflow() {
    InFlight calls = new InFlight();
    long nearMax = Long.MAX_VALUE - 10;
    calls.add(1, 1, nearMax + 20); // wraps to a negative value, but is later
    calls.add(2, 2, nearMax);
    assertThat(calls.first().callId).isEqualTo(2);
    assertThat(calls.pollExpired(nearMax + 5).callId).isEqualTo(2);
    assertThat(calls.pollExpired(nearMax + 5)).isNull();
  }

  @Test
  void theIdTableAgreesWithAHashMapThroughMillionsOfRandomOperations() {
    java.util.Random random = new java.util.Random(7);
    InFlight inFlight = new InFlight();
    java.util.Map<Long, Long> reference = new java.util.HashMap<>();
    java.util.List<Long> ids = new java.util.ArrayList<>();
    long nextId = 1;
    for (int op = 0; op < 2_000_000; op++) {
      int choice = random.nextInt(10);
      if (choice < 5 || ids.isEmpty()) {
        // ids sequential, as a connection assigns them, plus some random ones to collide
        long id = random.nextInt(4) == 0 ? 1 + (random.nextLong() & 0xffffffL) : nextId++;
        if (reference.containsKey(id)) {
          continue;
        }
        inFlight.add(id, id * 3, 1_000 + op);
        reference.put(id, id * 3);
        ids.add(id);
      } else if (choice < 9) {
        long id = ids.remove(random.nextInt(ids.size()));
        InFlight.Call call = inFlight.remove(id);
        assertThat(call).isNotNull();
        assertThat(call.clientId).isEqualTo(reference.remove(id));
        assertThat(inFlight.remove(id)).isNull();
      } else {
        long id = ids.isEmpty() ? 0 : ids.get(random.nextInt(ids.size()));
        if (id != 0) {
          assertThat(inFlight.get(id).clientId).isEqualTo(reference.get(id));
        }
        assertThat(inFlight.get(nextId + 1_000_000_000L)).isNull();
      }
      if (ids.size() > 3000) {
        for (int k = 0; k < 2500; k++) {
          long id = ids.remove(ids.size() - 1);
          assertThat(inFlight.remove(id).clientId).isEqualTo(reference.remove(id));
        }
      }
      assertThat(inFlight.size()).isEqualTo(reference.size());
    }
    for (long id : ids) {
      assertThat(inFlight.get(id).clientId).isEqualTo(reference.get(id));
    }
  }
}
