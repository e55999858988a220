package io.meshwork.node.testing;

import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.MeshCaller.CallOptions;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A service that calls other services through the mesh (for tests of {@code MeshCaller}), and
 * {@code inspect}, which answers with the deadline and headers it was called with.
 */
public final class RelayService implements MeshService {
  sealed interface Command {}

  record Echo(Call<BytesValue, BytesValue> call) implements Command {}

  record Inspect(Call<StringValue, StringValue> call) implements Command {}

  record Missing(Call<StringValue, StringValue> call) implements Command {}

  record Slow(Call<StringValue, StringValue> call) implements Command {}

  /** A mesh call's outcome, back on the actor, with the way to answer its call. */
  record Done(Runnable answer) implements Command {}

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Command>builder("relay")
        .unary("echo", BytesValue.getDefaultInstance(), BytesValue.getDefaultInstance(), Echo::new)
        .unary("inspect", StringValue.getDefaultInstance(), StringValue.getDefaultInstance(), Inspect::new)
        .unary("missing", StringValue.getDefaultInstance(), StringValue.getDefaultInstance(), Missing::new)
        .unary("slow", StringValue.getDefaultInstance(), StringValue.getDefaultInstance(), Slow::new)
        .behavior(RelayService::behavior)
        .build();
  }

  private static Behavior<Command> behavior(ServiceContext context) {
    return Behaviors.setup(
        ctx -> {
          Function<Call<?, ?>, CallOptions> within = CallOptions::within;
          return Behaviors.receive(Command.class)
              .onMessage(
                  Echo.class,
                  e -> {
                    pipe(ctx, e.call(), context.mesh().call("echo", "", e.call().request(), BytesValue.parser(), within.apply(e.call())));
                    return Behaviors.same();
                  })
              .onMessage(
                  Inspect.class,
                  i -> {
                    pipe(ctx, i.call(), context.mesh().call("inspect", "get", i.call().request(), StringValue.parser(), within.apply(i.call())));
                    return Behaviors.same();
                  })
              .onMessage(
                  Missing.class,
                  m -> {
                    pipe(ctx, m.call(), context.mesh().call("no-such-service", "x", m.call().request(), StringValue.parser(), within.apply(m.call())));
                    return Behaviors.same();
                  })
              .onMessage(
                  Slow.class,
                  s -> {
                    // Leave 300 ms of the caller's time to report the inner call's failure.
                    Duration inner = s.call().remaining().minusMillis(300);
                    long start = System.nanoTime();
                    CompletionStage<StringValue> outcome =
                        context
                            .mesh()
                            .call("silent", "x", s.call().request(), StringValue.parser(), CallOptions.timeout(inner))
                            .handle(
                                (reply, failure) ->
                                    StringValue.of(
                                        (failure instanceof ServiceException se ? se.status().name() : "answered")
                                            + " after "
                                            + (System.nanoTime() - start) / 1_000_000
                                            + " ms"));
                    pipe(ctx, s.call(), outcome);
                    return Behaviors.same();
                  })
              .onMessage(
                  Done.class,
                  d -> {
                    d.answer().run();
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private static <R> void pipe(
      org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx, Call<?, R> call, CompletionStage<R> stage) {
    ctx.pipeToSelf(stage, (reply, failure) -> new Done(() -> answer(call, reply, failure)));
  }

  private static <R> void answer(Call<?, R> call, R reply, Throwable failure) {
    if (failure instanceof ServiceException se) {
      call.fail(se.status(), "relayed: " + se.getMessage());
    } else if (failure != null) {
      call.fail(Status.INTERNAL, "relayed: " + failure);
    } else {
      call.reply(reply);
    }
  }

  /** Answers with "remaining=<ms>;headers={...}" as it sees its call. */
  public static final class InspectService implements MeshService {
    @Override
    public ServiceDefinition<?> definition() {
      return ServiceDefinition.<Call<StringValue, StringValue>>builder("inspect")
          .unary("get", StringValue.getDefaultInstance(), StringValue.getDefaultInstance(), c -> c)
          .behavior(
              ctx ->
                  Behaviors.receiveMessage(
                      call -> {
                        call.reply(
                            StringValue.of(
                                "remaining="
                                    + call.remaining().toMillis()
                                    + ";headers="
                                    + new TreeMap<>(call.headers())));
                        return Behaviors.same();
                      }))
          .build();
    }
  }
}
