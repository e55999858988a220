package io.meshwork.service.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import io.meshwork.service.StreamCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Hosts one instance of a service: the service's own behaviour, wrapped so that it accepts {@link
 * CallMessage}s. For each call the host resolves the method, decodes the payload, skips calls whose
 * caller has already given up, hands the command to the service's behaviour and turns failures into
 * statuses, in exactly one place. The service's own messages (timers, adapters) and signals pass
 * straight through.
 *
 * <p>Batches: a {@link ServiceCallBatch} is handled call by call, each with the behaviour the
 * previous one returned, exactly as if the calls had arrived one by one; the replies produced
 * meanwhile leave as one {@link CallResultBatch} per reply path. That halves the actor messages per
 * call under load without changing what a service sees.
 *
 * <p>Nothing past a call's end: a {@link CancelCall} (the call's deadline passed, or its caller
 * left) or a {@link CancelConnection} (a client connection closed) drops the calls still queued
 * here and cancels those the service holds ({@link Call#onCancel}, {@link StreamCall#onCancel});
 * a held call is also cancelled at its deadline by the host itself.
 *
 * <p>A {@code blocking()} service handles one call at a time and may take long over each, so its
 * calls wait in a {@link FairCallQueue} kept by the host, bounded and taken round-robin per caller,
 * rather than in the mailbox in arrival order: the host handles one call, then tells itself {@link
 * Next}, so that the calls that arrived meanwhile are queued (fairly) before the next is taken.
 * Other services take calls straight from the mailbox, with no queue of the host's.
 */
public final class ServiceHost {
  private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

  private ServiceHost() {}

  /**
   * The behaviour to spawn for one instance. Its ref, narrowed to {@code CallMessage}, is what the
   * runtime registers with the Receptionist.
   */
  public static <C> Behavior<Object> create(
      ServiceDefinition<C> definition, ServiceContext context) {
    return create(definition, context, QueueLimits.DEFAULT);
  }

  /**
   * As {@link #create(ServiceDefinition, ServiceContext)}, with the bounds of the call queue a
   * {@code blocking()} service gets (ignored for other services).
   */
  public static <C> Behavior<Object> create(
      ServiceDefinition<C> definition, ServiceContext context, QueueLimits limits) {
    return Behaviors.setup(
        outer -> {
          // The queued calls outlive a restart of the instance: a failure costs only its own call.
          Queued queued = definition.blocking() ? new Queued(new FairCallQueue(limits)) : null;
          Behavior<Object> host =
              Behaviors.setup(
                  ctx -> {
                    TypedActorContext<C> innerCtx = ServiceHost.innerContext(ctx);
                    return new Host<>(
                        definition,
                        Behavior.start(definition.createBehavior(context), innerCtx),
                        maxReplyBatchBytes(ctx.getSystem().settings().config()),
                        ctx,
                        queued);
                  });
          // The host logs a failure itself, with the call's trace id when it has one: not twice.
          return Behaviors.supervise(host)
              .onFailure(Exception.class, SupervisorStrategy.restart().withLoggingEnabled(false));
        });
  }

  /** A blocking service's pending calls, and whether a {@link Next} is on its way. */
  private static final class Queued {
    final FairCallQueue calls;
    boolean nextScheduled;

    Queued(FairCallQueue calls) {
      this.calls = calls;
    }
  }

  /** Take the next queued call. */
  private enum Next {
    INSTANCE
  }

  /** A held call's deadline may have passed. */
  private record Expire(CallKey key) {}

  /** A call as its caller names it. */
  private record CallKey(long callId, ActorRef<ReplyMessage> replyTo) {}

  /**
   * Replies batched for another node must fit in one Artery frame, with room for the envelope:
   * a batch of large replies is split.
   */
  private static long maxReplyBatchBytes(com.typesafe.config.Config config) {
    String key = "pekko.remote.artery.advanced.maximum-frame-size";
    return config.hasPath(key) ? config.getBytes(key) - 64 * 1024 : Long.MAX_VALUE;
  }

  @SuppressWarnings("unchecked")
  private static <C> TypedActorContext<C> innerContext(TypedActorContext<?> ctx) {
    // The service's behaviour runs in this actor: its own messages arrive here as Objects.
    return (TypedActorContext<C>) ctx;
  }

  private static final class Host<C> extends ExtensibleBehavior<Object>
      implements ReplySink, StreamRegistry, HeldCalls {
    /** The open streams of this instance, by call id and reply path. */
    private final Map<CallKey, StreamCall<?, ?>> streams = new HashMap<>();

    /** The unary calls the service holds and wants to hear of, with their deadline's timer. */
    private final Map<CallKey, Held> held = new ConcurrentHashMap<>();

    private record Held(Call<?, ?> call, Cancellable expiry) {}

    @Override
    public void opened(StreamCall<?, ?> stream) {
      streams.put(new CallKey(stream.callId(), stream.replyTo()), stream);
    }

    @Override
    public void ended(StreamCall<?, ?> stream) {
      streams.remove(new CallKey(stream.callId(), stream.replyTo()));
    }

    @Override
    public void hold(Call<?, ?> call) {
      CallKey key = new CallKey(call.callId(), call.replyTo());
      held.put(key, new Held(call, expireAt(key, call.remaining())));
    }

    @Override
    public void release(Call<?, ?> call) {
      Held h = held.remove(new CallKey(call.callId(), call.replyTo()));
      if (h != null) {
        h.expiry().cancel();
      }
    }

    private Cancellable expireAt(CallKey key, Duration remaining) {
      return self.scheduleOnce(
          remaining.isNegative() ? Duration.ZERO : remaining, self.getSelf(), new Expire(key));
    }

    private final ServiceDefinition<C> definition;
    private Behavior<C> inner;
    private final ActorContext<Object> self;
    private final Queued queued;

    private final HostReplies replies;

    Host(
        ServiceDefinition<C> definition,
        Behavior<C> inner,
        long maxReplyBatchBytes,
        ActorContext<Object> self,
        Queued queued) {
      this.definition = definition;
      this.inner = inner;
      this.replies = new HostReplies(definition.name(), maxReplyBatchBytes);
      this.self = self;
      this.queued = queued;
      if (queued != null && !queued.calls.isEmpty()) {
        queued.nextScheduled = false; // restarted: whatever Next was on its way may be lost
        scheduleNext();
      }
    }

    @Override
    public Behavior<Object> receive(TypedActorContext<Object> ctx, Object msg) {
      if (msg instanceof ServiceCall call) {
        if (queued == null) {
          handleAll(ctx, List.of(call));
        } else {
          enqueue(List.of(call));
        }
      } else if (msg instanceof ServiceCallBatch batch) {
        if (queued == null) {
          handleAll(ctx, batch.calls());
        } else {
          enqueue(batch.calls());
        }
      } else if (msg == Next.INSTANCE) {
        onNext(ctx);
      } else if (msg instanceof CancelCall cancel) {
        onCancel(cancel);
      } else if (msg instanceof CancelConnection cancel) {
        onCancel(cancel);
      } else if (msg instanceof Expire expire) {
        onExpire(expire);
      } else {
        @SuppressWarnings("unchecked")
        C own = (C) msg;
        TypedActorContext<C> innerCtx = ServiceHost.innerContext(ctx);
        try {
          inner = Behavior.canonicalize(Behavior.interpretMessage(inner, innerCtx, own), inner, innerCtx);
        } catch (RuntimeException e) {
          log.error("Service {} failed (the instance restarts)", definition.name(), e);
          throw e;
        }
      }
      return Behavior.isAlive(inner) ? this : Behaviors.stopped();
    }

    /** Queues a blocking service's calls; answers OVERLOADED those the bounds leave out. */
    private void enqueue(List<ServiceCall> calls) {
      replies.startBatch();
      long now = System.nanoTime();
      try {
        for (ServiceCall call : calls) {
          if (now - call.deadlineNanos() < 0) { // else answered DEADLINE_EXCEEDED already
            queued.calls.offer(call, now, this::shed, expired -> {});
          }
        }
      } finally {
        replies.endBatch();
      }
      scheduleNext();
    }

    private void shed(ServiceCall call, String reason) {
      streams.remove(new CallKey(call.callId(), call.replyTo()));
      send(
          call.replyTo(),
          CallResult.failure(call.callId(), Status.OVERLOADED, definition.name() + ": " + reason));
    }

    private void scheduleNext() {
      if (!queued.nextScheduled && !queued.calls.isEmpty()) {
        queued.nextScheduled = true;
        self.getSelf().tell(Next.INSTANCE);
      }
    }

    private void onNext(TypedActorContext<Object> ctx) {
      queued.nextScheduled = false;
      ServiceCall call = queued.calls.poll(System.nanoTime(), expired -> {});
      if (call != null) {
        handleAll(ctx, List.of(call));
      }
      if (Behavior.isAlive(inner)) {
        scheduleNext();
      }
    }

    private void onCancel(CancelCall cancel) {
      if (queued != null && queued.calls.remove(cancel.callId(), cancel.replyTo())) {
        return;
      }
      CallKey key = new CallKey(cancel.callId(), cancel.replyTo());
      StreamCall<?, ?> stream = streams.get(key);
      if (stream != null) {
        stream.cancel();
      }
      Held h = held.get(key);
      if (h != null) {
        h.call().cancel();
      }
    }

    private void onCancel(CancelConnection cancel) {
      if (queued != null) {
        queued.calls.remove(cancel);
      }
      List<StreamCall<?, ?>> closedStreams = new ArrayList<>();
      for (Map.Entry<CallKey, StreamCall<?, ?>> e : streams.entrySet()) {
        if (cancel.covers(e.getKey().callId(), e.getKey().replyTo())) {
          closedStreams.add(e.getValue());
        }
      }
      closedStreams.forEach(StreamCall::cancel);
      List<Call<?, ?>> closedCalls = new ArrayList<>();
      for (Map.Entry<CallKey, Held> e : held.entrySet()) {
        if (cancel.covers(e.getKey().callId(), e.getKey().replyTo())) {
          closedCalls.add(e.getValue().call());
        }
      }
      closedCalls.forEach(Call::cancel);
    }

    private void onExpire(Expire expire) {
      Held h = held.get(expire.key());
      if (h == null) {
        return; // answered or cancelled meanwhile
      }
      if (h.call().isExpired()) {
        h.call().cancel();
      } else { // the timer fired a little early
        held.put(expire.key(), new Held(h.call(), expireAt(expire.key(), h.call().remaining())));
      }
    }

    @Override
    public Behavior<Object> receiveSignal(TypedActorContext<Object> ctx, Signal signal) {
      TypedActorContext<C> innerCtx = ServiceHost.innerContext(ctx);
      try {
        inner = Behavior.canonicalize(Behavior.interpretSignal(inner, innerCtx, signal), inner, innerCtx);
      } catch (RuntimeException e) {
        log.error("Service {} failed on {} (the instance restarts)", definition.name(), signal, e);
        throw e;
      }
      return Behavior.isAlive(inner) ? this : Behaviors.stopped();
    }

    private void handleAll(TypedActorContext<Object> ctx, List<ServiceCall> calls) {
      replies.startBatch();
      long now = System.nanoTime();
      try {
        for (int i = 0; i < calls.size() && Behavior.isAlive(inner); i++) {
          try {
            handle(ctx, calls.get(i), now);
          } catch (RuntimeException e) {
            // The instance will be restarted: the rest of the batch is handled after that.
            if (i + 1 < calls.size()) {
              ctx.asJava()
                  .getSelf()
                  .tell(new ServiceCallBatch(new ArrayList<>(calls.subList(i + 1, calls.size()))));
            }
            throw e;
          }
        }
      } finally {
        replies.endBatch();
      }
    }

    private void handle(TypedActorContext<Object> ctx, ServiceCall call, long now) {
      if (now - call.deadlineNanos() >= 0) {
        // The caller's connection has already answered DEADLINE_EXCEEDED; don't do the work.
        return;
      }
      // What the service logs while it handles the call names the caller's trace, if any.
      String traceId = TraceContext.traceId(call.headers());
      if (traceId == null) {
        handleCall(ctx, call);
        return;
      }
      MDC.put(TraceContext.MDC_KEY, traceId);
      try {
        handleCall(ctx, call);
      } finally {
        MDC.remove(TraceContext.MDC_KEY);
      }
    }

    private void handleCall(TypedActorContext<Object> ctx, ServiceCall call) {
      MethodSpec<?, ?, C> method = definition.resolve(call.method());
      if (method == null) {
        fail(
            call,
            Status.BAD_REQUEST,
            "unknown method \""
                + call.method()
                + "\" of service "
                + definition.name()
                + " (expected one of: "
                + String.join(", ", definition.methods().keySet())
                + ")");
        return;
      }
      C command;
      try {
        command = method.toCommand(call, this, this, this);
      } catch (InvalidProtocolBufferException e) {
        fail(
            call,
            Status.BAD_REQUEST,
            "invalid payload for " + definition.name() + "." + method.name() + ": " + e.getMessage());
        return;
      }
      TypedActorContext<C> innerCtx = ServiceHost.innerContext(ctx);
      try {
        inner =
            Behavior.canonicalize(Behavior.interpretMessage(inner, innerCtx, command), inner, innerCtx);
      } catch (ServiceException e) {
        fail(call, e.status(), e.getMessage());
      } catch (RuntimeException e) {
        // A bug in the service: answer the caller, then let supervision restart the instance.
        log.error(
            "Service {} failed on a call of {} (answered INTERNAL; the instance restarts)",
            definition.name(),
            call.method(),
            e);
        streams.remove(new CallKey(call.callId(), call.replyTo()));
        replies.deliver(
            call.replyTo(),
            CallResult.failure(
                call.callId(), Status.INTERNAL, definition.name() + "." + method.name() + " failed: " + e));
        throw e;
      }
    }

    private void fail(ServiceCall call, Status status, String message) {
      streams.remove(new CallKey(call.callId(), call.replyTo())); // a stream that never started
      send(call.replyTo(), CallResult.failure(call.callId(), status, message));
    }

    @Override
    public void send(ActorRef<ReplyMessage> replyTo, CallResult result) {
      replies.send(replyTo, result);
    }
  }
}
