package io.meshwork.service.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Hosts one instance of a service: the service's own behaviour wrapped so that it accepts {@link
 * ServiceCall}s. For each call the wrapper resolves the method, decodes the payload, skips calls
 * whose caller has already given up, and turns failures into statuses, in exactly one place. The
 * service's own messages (timers, adapters) pass through untouched.
 */
public final class ServiceHost {
  private ServiceHost() {}

  /**
   * The behaviour to spawn for one instance. Its ref, narrowed to {@code ServiceCall}, is what the
   * runtime registers with the Receptionist.
   */
  public static <C> Behavior<Object> create(
      ServiceDefinition<C> definition, ServiceContext context) {
    Behavior<Object> intercepted =
        Behaviors.intercept(
            () -> new CallInterceptor<>(definition),
            Behaviors.setup(ctx -> definition.createBehavior(context)));
    return Behaviors.supervise(intercepted).onFailure(Exception.class, SupervisorStrategy.restart());
  }

  private static final class CallInterceptor<C> extends BehaviorInterceptor<Object, C> {
    private final ServiceDefinition<C> definition;

    CallInterceptor(ServiceDefinition<C> definition) {
      // Only ServiceCalls are intercepted; the service's own messages pass straight through.
      super(interceptedClass());
      this.definition = definition;
    }

    @SuppressWarnings("unchecked")
    private static Class<Object> interceptedClass() {
      return (Class<Object>) (Class<?>) ServiceCall.class;
    }

    @Override
    public Behavior<C> aroundReceive(
        TypedActorContext<Object> ctx, Object msg, ReceiveTarget<C> target) {
      ServiceCall call = (ServiceCall) msg;
      if (System.nanoTime() - call.deadlineNanos() >= 0) {
        // The caller's connection has already answered DEADLINE_EXCEEDED; don't do the work.
        return Behaviors.same();
      }
      MethodSpec<?, ?, C> method = definition.resolve(call.method());
      if (method == null) {
        call.replyTo()
            .tell(
                CallResult.failure(
                    call.callId(),
                    Status.BAD_REQUEST,
                    "unknown method \""
                        + call.method()
                        + "\" of service "
                        + definition.name()
                        + " (expected one of: "
                        + String.join(", ", definition.methods().keySet())
                        + ")"));
        return Behaviors.same();
      }
      C command;
      try {
        command = method.toCommand(call);
      } catch (InvalidProtocolBufferException e) {
        call.replyTo()
            .tell(
                CallResult.failure(
                    call.callId(),
                    Status.BAD_REQUEST,
                    "invalid payload for "
                        + definition.name()
                        + "."
                        + method.name()
                        + ": "
                        + e.getMessage()));
        return Behaviors.same();
      }
      try {
        return target.apply(ctx, command);
      } catch (ServiceException e) {
        call.replyTo().tell(CallResult.failure(call.callId(), e.status(), e.getMessage()));
        return Behaviors.same();
      } catch (RuntimeException e) {
        // A bug in the service: answer the caller, then let supervision restart the instance.
        call.replyTo()
            .tell(
                CallResult.failure(
                    call.callId(),
                    Status.INTERNAL,
                    definition.name() + "." + method.name() + " failed: " + e));
        throw e;
      }
    }
  }
}
