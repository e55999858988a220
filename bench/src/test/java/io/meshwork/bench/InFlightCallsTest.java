package io.meshwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightCallsTest {
  @Test
  void returnsTheSendTimeOfAnIdInFlightOnce() {
    InFlightCalls calls = new InFlightCalls(4);
    long id = calls.add(1234);

    assertThat(calls.remove(id)).isEqualTo(1234);
    assertThat(calls.remove(id)).isEqualTo(InFlightCalls.NOT_IN_FLIGHT);
    assertThat(calls.size()).isZero();
  }

  @Test
  void anIdNeverSentIsNotInFlight() {
    InFlightCalls calls = new InFlightCalls(4);
    calls.add(1);

    assertThat(calls.remove(0)).isEqualTo(InFlightCalls.NOT_IN_FLIGHT);
    assertThat(calls.remove(-1)).isEqualTo(InFlightCalls.NOT_IN_FLIGHT);
    assertThat(calls.remove(1 + 8)).isEqualTo(InFlightCalls.NOT_IN_FLIGHT); // same slot, other id
  }

  @Test
  void aLateReplyDoesNotCollideWithNewerIds() {
    InFlightCalls calls = new InFlightCalls(2);
    long late = calls.add(-1);
    List<Long> ids = new ArrayList<>();
    for (int round = 0; round < 100; round++) { // many ids pass while the first stays in flight
      long id = calls.add(round);
      ids.add(id);
      assertThat(calls.remove(id)).isEqualTo(round);
    }

    assertThat(ids).doesNotHaveDuplicates().doesNotContain(late);
    assertThat(calls.remove(late)).isEqualTo(-1);
  }

  @Test
  void growsBeyondItsExpectedSize() {
    InFlightCalls calls = new InFlightCalls(2);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(calls.add(i));
    }

    assertThat(calls.size()).isEqualTo(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(calls.remove(ids.get(i))).isEqualTo(i);
    }
  }
}
