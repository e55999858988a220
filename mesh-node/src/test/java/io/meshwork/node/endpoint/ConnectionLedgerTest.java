package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConnectionLedgerTest {
  private final NodeMemory node = new NodeMemory(1 << 20, new AtomicInteger(1));
  private final ConnectionLedger ledger = new ConnectionLedger(node, 256 * 1024);

  @Test
  void aReadIsHeldUntilTheParserIsThroughItAndEveryCallMadeOfItHasEnded() {
    ledger.read(65_536);
    ConnectionLedger.Chunk first = ledger.forCall(true, 20);
    ConnectionLedger.Chunk second = ledger.forCall(true, 20);
    ledger.readConsumed();
    ledger.sync();
    assertThat(ledger.held()).isEqualTo(65_536); // two tiny calls pin the whole read's array
    assertThat(node.held()).isEqualTo(65_536);
    first.release();
    assertThat(ledger.held()).isEqualTo(65_536);
    second.release();
    ledger.sync();
    assertThat(ledger.held()).isZero();
    assertThat(node.held()).isZero();
  }

  @Test
  void aReadWithNoCallInItIsReleasedOnceParsed() {
    ledger.read(1000);
    assertThat(ledger.held()).isEqualTo(1000);
    ledger.read(500); // the next read: the parser is through the first
    assertThat(ledger.held()).isEqualTo(500);
    ledger.readConsumed();
    ledger.readConsumed(); // idempotent
    assertThat(ledger.held()).isZero();
  }

  @Test
  void anAssembledFrameMovesFromTheParserToItsCall() {
    ledger.read(3); // a prefix alone
    ledger.readConsumed();
    ledger.assembly(4096);
    assertThat(ledger.held()).isEqualTo(4096);
    ledger.read(1000); // the rest of a 5,096-byte frame
    ConnectionLedger.Chunk call = ledger.forCall(false, 5096);
    ledger.readConsumed();
    ledger.assembly(0); // the parser handed its array over to the call
    assertThat(ledger.held()).isEqualTo(5096);
    call.release();
    assertThat(ledger.held()).isZero();
  }

  @Test
  void repliesCountWhileQueuedAndWhileBeingWritten() {
    ledger.queued(300);
    ledger.queued(200);
    ledger.queued(-500);
    ledger.writing(500);
    assertThat(ledger.held()).isEqualTo(500);
    ledger.writing(0);
    assertThat(ledger.held()).isZero();
  }

  @Test
  void theBudgetStopsReadingAtTheConnectionsBudget() {
    ledger.read(256 * 1024 - 1);
    ConnectionLedger.Chunk call = ledger.forCall(true, 100);
    ledger.readConsumed();
    assertThat(ledger.underBudget()).isTrue();
    ledger.queued(1);
    assertThat(ledger.underBudget()).isFalse();
    call.release();
    assertThat(ledger.underBudget()).isTrue();
  }

  @Test
  void closingReleasesAtTheNodeEverythingTheConnectionReported() {
    ledger.read(10_000);
    ledger.forCall(true, 10);
    ledger.queued(77);
    ledger.sync();
    assertThat(node.held()).isEqualTo(10_077);
    ledger.close();
    assertThat(node.held()).isZero();
  }
}
