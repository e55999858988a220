package io.meshwork.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingCallsTest {
  private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
  private final PendingCalls pending = new PendingCalls(timers);

  PendingCallsTest() {
    timers.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stopTimers() throws InterruptedException {
    timers.shutdownNow();
    assertThat(timers.awaitTermination(5, SECONDS)).isTrue();
  }

  private static Reply reply(long id, Status status) {
    return Reply.newBuilder().setId(id).setStatus(status).build();
  }

  @Test
  void replyCompletesItsCallAndCancelsItsTimer() {
    CompletableFuture<Reply> call = pending.register(7, Duration.ofMinutes(1));

    assertThat(pending.complete(reply(7, Status.OK))).isTrue();

    assertThat(call).isCompletedWithValue(reply(7, Status.OK));
    assertThat(timers.getQueue()).isEmpty();
  }

  @Test
  void replyToAnUnknownIdIsNotMatched() {
    CompletableFuture<Reply> call = pending.register(1, Duration.ofMinutes(1));

    assertThat(pending.complete(reply(2, Status.OK))).isFalse();

    assertThat(call).isNotDone();
  }

  @Test
  void cancelledCallIsForgottenWithItsTimer() {
    CompletableFuture<Reply> call = pending.register(1, Duration.ofMinutes(1));

    call.cancel(false);

    assertThat(pending.complete(reply(1, Status.OK))).isFalse();
    assertThat(timers.getQueue()).isEmpty();
  }

  @Test
  void failAllStampsEachCallsOwnId() {
    CompletableFuture<Reply> first = pending.register(1, Duration.ofMinutes(1));
    CompletableFuture<Reply> second = pending.register(2, Duration.ofMinutes(1));

    pending.failAll(reply(0, Status.BAD_REQUEST).toBuilder().setError("bad frame").build());

    assertThat(first.join())
        .extracting(Reply::getId, Reply::getStatus, Reply::getError)
        .containsExactly(1L, Status.BAD_REQUEST, "bad frame");
    assertThat(second.join().getId()).isEqualTo(2);
    assertThat(timers.getQueue()).isEmpty();
  }

  @Test
  void closeFailsWaitingAndLaterCallsWithUnavailable() {
    CompletableFuture<Reply> waiting = pending.register(1, Duration.ofMinutes(1));

    pending.close("connection to h:1 closed: test");
    CompletableFuture<Reply> later = pending.register(2, Duration.ofMinutes(1));

    for (CompletableFuture<Reply> call : java.util.List.of(waiting, later)) {
      assertThat(call).isDone();
      assertThat(call.join().getStatus()).isEqualTo(Status.UNAVAILABLE);
      assertThat(call.join().getError()).isEqualTo("connection to h:1 closed: test");
    }
    assertThat(timers.getQueue()).isEmpty();
  }

  @Test
  void timerFormatsTheDeadlineTheWayItWasWritten() {
    assertThat(DeadlineText.format(Duration.ofMillis(200))).isEqualTo("200ms");
    assertThat(DeadlineText.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(DeadlineText.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(DeadlineText.format(Duration.ofSeconds(120))).isEqualTo("2m");
  }
}
