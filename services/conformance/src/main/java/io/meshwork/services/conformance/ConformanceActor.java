package io.meshwork.services.conformance;

import io.meshwork.protocol.services.v1.ConformanceReply;
import io.meshwork.protocol.services.v1.DelayRequest;
import io.meshwork.protocol.services.v1.StatusRequest;
import io.meshwork.protocol.services.v1.StreamItem;
import io.meshwork.protocol.services.v1.StreamRequest;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceException;
import io.meshwork.service.StreamCall;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One instance of the {@code conformance} service. Delays and stream intervals run on the actor's
 * timers, so a slow call never holds the thread (the service runs on the node's event loops).
 * Invalid input is {@code BAD_REQUEST} naming the field, the value and the allowed range.
 *
 * <p>A delayed call is held only while its caller waits: at its deadline, or when its caller's
 * connection closes, the runtime cancels it ({@link Call#onCancel}) and the call, request payload
 * included, is dropped. A client pipelining long delays with short deadlines makes the node hold
 * nothing past each deadline.
 */
final class ConformanceActor extends AbstractBehavior<ConformanceActor.Command> {
  static final int MAX_DELAY_MS = 60_000;
  static final int MAX_COUNT = 10_000;
  static final int MAX_INTERVAL_MS = 10_000;
  static final long MAX_STREAM_MS = 600_000;
  static final int MAX_ERROR_CHARS = 1024;
  static final int MAX_ITEM_PAYLOAD_BYTES = 64 * 1024;
  private static final int MAX_BURST_ITEMS = 256;
  private static final int MAX_BURST_BYTES = 256 * 1024;

  sealed interface Command {}

  record AnswerStatus(Call<StatusRequest, ConformanceReply> call) implements Command {}

  record Delay(Call<DelayRequest, ConformanceReply> call) implements Command {}

  record Stream(StreamCall<StreamRequest, StreamItem> stream) implements Command {}

  private record DelayOver(long key) implements Command {}

  private record DelayCancelled(long key) implements Command {}

  /** How many delayed calls the instance holds: for tests. */
  record CountHeld(ActorRef<Integer> replyTo) implements Command {}

  private record NextItem(long key) implements Command {}

  private record StreamCancelled(long key) implements Command {}

  private final TimerScheduler<Command> timers;
  private final Map<Long, Call<DelayRequest, ConformanceReply>> delayed = new HashMap<>();
  private final Map<Long, StreamCall<StreamRequest, StreamItem>> streams = new HashMap<>();
  private long nextKey;

  static Behavior<Command> create() {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ConformanceActor(ctx, timers)));
  }

  private ConformanceActor(ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(context);
    this.timers = timers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(AnswerStatus.class, this::onAnswerStatus)
        .onMessage(Delay.class, this::onDelay)
        .onMessage(DelayOver.class, this::onDelayOver)
        .onMessage(DelayCancelled.class, this::onDelayCancelled)
        .onMessage(CountHeld.class, this::onCountHeld)
        .onMessage(Stream.class, this::onStream)
        .onMessage(NextItem.class, this::onNextItem)
        .onMessage(StreamCancelled.class, this::onStreamCancelled)
        .build();
  }

  private Behavior<Command> onAnswerStatus(AnswerStatus command) {
    StatusRequest request = command.call().request();
    Status status = checkStatus("status", "status", request.getStatusValue());
    checkErrorText("status", "error", request.getError());
    if (status == Status.OK) {
      if (!request.getError().isEmpty()) {
        throw badRequest("status: error: set with status OK (expected: empty when status is OK)");
      }
      command.call().reply(ConformanceReply.newBuilder().setPayload(request.getPayload()).build());
    } else {
      command.call().fail(status, errorText(status, request.getError()));
    }
    return this;
  }

  private Behavior<Command> onDelay(Delay command) {
    int delayMs = command.call().request().getDelayMs();
    if (delayMs < 0 || delayMs > MAX_DELAY_MS) { // uint32: above 2^31 - 1 it reads negative
      throw badRequest(
          "delay: delay_ms: "
              + Integer.toUnsignedString(delayMs)
              + " (expected: 0 to "
              + MAX_DELAY_MS
              + ")");
    }
    long key = ++nextKey;
    delayed.put(key, command.call());
    timers.startSingleTimer(key, new DelayOver(key), Duration.ofMillis(delayMs));
    command.call().onCancel(getContext().getSelf(), new DelayCancelled(key));
    return this;
  }

  private Behavior<Command> onDelayCancelled(DelayCancelled cancelled) {
    // Nobody waits for the reply any more (deadline passed, or the caller left): forget the call.
    timers.cancel(cancelled.key());
    delayed.remove(cancelled.key());
    return this;
  }

  private Behavior<Command> onCountHeld(CountHeld count) {
    count.replyTo().tell(delayed.size());
    return this;
  }

  private Behavior<Command> onDelayOver(DelayOver over) {
    Call<DelayRequest, ConformanceReply> call = delayed.remove(over.key());
    if (call != null) {
      call.reply(ConformanceReply.newBuilder().setPayload(call.request().getPayload()).build());
    }
    return this;
  }

  private Behavior<Command> onStream(Stream command) {
    StreamRequest request = command.stream().request();
    int count = request.getCount();
    int intervalMs = request.getIntervalMs();
    if (count < 0 || count > MAX_COUNT) {
      throw badRequest(
          "stream: count: " + Integer.toUnsignedString(count) + " (expected: 0 to " + MAX_COUNT + ")");
    }
    if (intervalMs < 0 || intervalMs > MAX_INTERVAL_MS) {
      throw badRequest(
          "stream: interval_ms: "
              + Integer.toUnsignedString(intervalMs)
              + " (expected: 0 to "
              + MAX_INTERVAL_MS
              + ")");
    }
    if ((long) count * intervalMs > MAX_STREAM_MS) {
      throw badRequest(
          "stream: count * interval_ms: "
              + (long) count * intervalMs
              + " ms (expected: at most "
              + MAX_STREAM_MS
              + ")");
    }
    checkStatus("stream", "end_status", request.getEndStatusValue());
    checkErrorText("stream", "end_error", request.getEndError());
    if (request.getPayload().size() > MAX_ITEM_PAYLOAD_BYTES) {
      throw badRequest(
          "stream: payload: "
              + request.getPayload().size()
              + " bytes (expected: at most "
              + MAX_ITEM_PAYLOAD_BYTES
              + ")");
    }
    StreamCall<StreamRequest, StreamItem> stream = command.stream();
    if (count == 0) {
      end(stream);
      return this;
    }
    long key = ++nextKey;
    streams.put(key, stream);
    stream.onCancel(getContext().getSelf(), new StreamCancelled(key));
    if (intervalMs == 0) {
      getContext().getSelf().tell(new NextItem(key));
    } else {
      timers.startTimerAtFixedRate(key, new NextItem(key), Duration.ofMillis(intervalMs));
    }
    return this;
  }

  private Behavior<Command> onNextItem(NextItem next) {
    StreamCall<StreamRequest, StreamItem> stream = streams.get(next.key());
    if (stream == null) {
      return this;
    }
    StreamRequest request = stream.request();
    // Without an interval, items go out in bursts of a bounded size, one burst per message, so
    // that a cancellation (the client left, or reads too slowly) is seen between two bursts.
    int itemBytes = request.getPayload().size() + 8;
    int burst =
        request.getIntervalMs() > 0 ? 1 : Math.max(1, Math.min(MAX_BURST_ITEMS, MAX_BURST_BYTES / itemBytes));
    for (int i = 0; i < burst; i++) {
      if (!emitNext(stream)) {
        forget(next.key());
        return this;
      }
      if (stream.emitted() == request.getCount()) {
        forget(next.key());
        end(stream);
        return this;
      }
    }
    if (request.getIntervalMs() == 0) {
      getContext().getSelf().tell(next);
    }
    return this;
  }

  private Behavior<Command> onStreamCancelled(StreamCancelled cancelled) {
    forget(cancelled.key());
    return this;
  }

  private void forget(long key) {
    timers.cancel(key);
    streams.remove(key);
  }

  private static boolean emitNext(StreamCall<StreamRequest, StreamItem> stream) {
    return stream.emit(
        StreamItem.newBuilder()
            .setIndex((int) stream.emitted())
            .setPayload(stream.request().getPayload())
            .build());
  }

  private static void end(StreamCall<StreamRequest, StreamItem> stream) {
    StreamRequest request = stream.request();
    Status status = request.getEndStatus();
    if (status == Status.OK) {
      stream.complete();
    } else {
      stream.fail(status, errorText(status, request.getEndError()));
    }
  }

  private static Status checkStatus(String method, String field, int value) {
    Status status = Status.forNumber(value);
    if (status == null) {
      throw badRequest(
          method
              + ": "
              + field
              + ": "
              + value
              + " (expected: a meshwork.v1.Status, 0 to "
              + (Status.values().length - 2)
              + ")");
    }
    return status;
  }

  private static void checkErrorText(String method, String field, String text) {
    if (text.length() > MAX_ERROR_CHARS) {
      throw badRequest(
          method
              + ": "
              + field
              + ": "
              + text.length()
              + " characters (expected: at most "
              + MAX_ERROR_CHARS
              + ")");
    }
  }

  private static String errorText(Status status, String requested) {
    return requested.isEmpty() ? "conformance: " + status + " as requested" : requested;
  }

  private static ServiceException badRequest(String message) {
    return new ServiceException(Status.BAD_REQUEST, message);
  }
}
