package io.meshwork.node.testing;

import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.StreamCall;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Streaming methods for tests: {@code count} (n items, then the end), {@code tick} (an item every
 * interval until cancelled) and {@code flood} (items of a given size, as fast as it can, until
 * cancelled). Every cancellation it is told of is recorded in {@link #CANCELLED}.
 */
public final class TickerService implements MeshService {
  /** The reasons of the cancellations received, by every instance in this JVM. */
  public static final ConcurrentLinkedQueue<String> CANCELLED = new ConcurrentLinkedQueue<>();

  sealed interface Command {}

  record Count(StreamCall<UInt32Value, UInt32Value> stream) implements Command {}

  record Tick(StreamCall<UInt32Value, UInt32Value> stream) implements Command {}

  record Flood(StreamCall<UInt32Value, BytesValue> stream) implements Command {}

  record Next(long id) implements Command {}

  record Cancelled(long id) implements Command {}

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Command>builder("ticker")
        .streaming("count", UInt32Value.getDefaultInstance(), UInt32Value.getDefaultInstance(), Count::new)
        .streaming("tick", UInt32Value.getDefaultInstance(), UInt32Value.getDefaultInstance(), Tick::new)
        .streaming("flood", UInt32Value.getDefaultInstance(), BytesValue.getDefaultInstance(), Flood::new)
        .behavior(ctx -> behavior())
        .build();
  }

  private static Behavior<Command> behavior() {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  Map<Long, StreamCall<UInt32Value, UInt32Value>> ticking = new HashMap<>();
                  Map<Long, StreamCall<UInt32Value, BytesValue>> flooding = new HashMap<>();
                  long[] nextId = {0};
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Count.class,
                          c -> {
                            for (int i = 0; i < c.stream().request().getValue(); i++) {
                              c.stream().emit(UInt32Value.of(i));
                            }
                            c.stream().complete();
                            return Behaviors.same();
                          })
                      .onMessage(
                          Tick.class,
                          t -> {
                            long id = ++nextId[0];
                            ticking.put(id, t.stream());
                            t.stream().onCancel(ctx.getSelf(), new Cancelled(id));
                            timers.startTimerAtFixedRate(
                                id, new Next(id), Duration.ofMillis(t.stream().request().getValue()));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Flood.class,
                          f -> {
                            long id = ++nextId[0];
                            flooding.put(id, f.stream());
                            f.stream().onCancel(ctx.getSelf(), new Cancelled(id));
                            ctx.getSelf().tell(new Next(id));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Next.class,
                          n -> {
                            StreamCall<UInt32Value, UInt32Value> tick = ticking.get(n.id());
                            if (tick != null) {
                              tick.emit(UInt32Value.of((int) tick.emitted()));
                            }
                            StreamCall<UInt32Value, BytesValue> flood = flooding.get(n.id());
                            if (flood != null) {
                              BytesValue item =
                                  BytesValue.of(
                                      com.google.protobuf.ByteString.copyFrom(
                                          new byte[flood.request().getValue()]));
                              for (int i = 0; i < 16 && flood.emit(item); i++) {
                                // a burst per message; the actor stays responsive between bursts
                              }
                              if (!flood.isCancelled()) {
                                ctx.getSelf().tell(n);
                              }
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          Cancelled.class,
                          c -> {
                            timers.cancel(c.id());
                            StreamCall<?, ?> tick = ticking.remove(c.id());
                            StreamCall<?, ?> flood = flooding.remove(c.id());
                            CANCELLED.add(
                                (tick != null ? "tick" : flood != null ? "flood" : "?")
                                    + " after "
                                    + (tick != null ? tick.emitted() : flood != null ? flood.emitted() : 0)
                                    + " items");
                            return Behaviors.same();
                          })
                      .build();
                }));
  }
}
