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
}
