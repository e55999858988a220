package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NodeMemoryTest {
  private final AtomicInteger connections = new AtomicInteger(4);
  private final NodeMemory memory = new NodeMemory(1000, connections);

  @Test
  void underBudgetEveryConnectionIsAdmitted() {
    memory.add(999);
    assertThat(memory.admits(999)).isTrue();
  }

  @Test
  void overBudgetOnlyConnectionsUnderTheirFairShareAreAdmitted() {
    memory.add(1000);
    assertThat(memory.fairShare()).isEqualTo(250);
    assertThat(memory.admits(249)).isTrue();
    assertThat(memory.admits(250)).isFalse();
    connections.set(2); // fewer connections: a larger share each
    assertThat(memory.admits(499)).isTrue();
  }

  @Test
  void waitingConnectionsAreWokenInOrderOnceTheNodeIsBackUnderBudget() {
    memory.add(1200);
    List<Integer> woken = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int n = i;
      memory.await(() -> woken.add(n));
    }
    assertThat(woken).isEmpty();
    memory.add(-100); // still at the budget
    assertThat(woken).isEmpty();
    memory.add(-101);
    assertThat(woken).hasSize(16).startsWith(0, 1, 2).endsWith(15); // a few per release
    memory.add(-1);
    assertThat(woken).hasSize(20).endsWith(19);
    assertThat(memory.waiting()).isZero();
  }

  @Test
  void aConnectionParkedWhileTheNodeIsUnderBudgetIsWokenAtOnce() {
    List<String> woken = new ArrayList<>();
    memory.await(() -> woken.add("now"));
    assertThat(woken).containsExactly("now");
  }

  @Test
  void aBudgetMustBePositive() {
    assertThatThrownBy(() -> new NodeMemory(0, connections))
        .hasMessage("budget: 0 (expected: > 0)");
  }
}
