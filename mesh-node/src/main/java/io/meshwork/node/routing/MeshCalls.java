package io.meshwork.node.routing;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.meshwork.node.NodeRuntime;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.MeshCaller;
import io.meshwork.service.ServiceException;
import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.CallResultBatch;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ServiceCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's {@link MeshCaller}: services calling services. A call is routed with the node's
 * routing table and the callee's strategy, sent to the instance as a {@link ServiceCall} (locally a
 * message, to another node over Artery), and answered to this node's one reply actor, which
 * completes the caller's future by call id. Every call ends: with its reply, or with {@code
 * DEADLINE_EXCEEDED} from a timer when the deadline passes first.
 */
public final class MeshCalls implements MeshCaller {
  private record Pending(CompletableFuture<ByteString> reply, Cancellable timer) {}

  private final ActorSystem<?> system;
  private final NodeRuntime runtime;
  private final ActorRef<ReplyMessage> replies;
  private final AtomicLong nextCallId = new AtomicLong();
  private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();

  public MeshCalls(ActorSystem<?> system, NodeRuntime runtime, String dispatcher) {
    this.system = system;
    this.runtime = runtime;
    this.replies =
        system.systemActorOf(
            Behaviors.receiveMessage(
                message -> {
                  if (message instanceof CallResult result) {
                    answer(result);
                  } else if (message instanceof CallResultBatch batch) {
                    batch.results().forEach(this::answer);
                  }
                  return Behaviors.same();
                }),
            "meshwork-service-calls",
            DispatcherSelector.fromConfig(dispatcher));
  }

  @Override
  public <Rep> CompletionStage<Rep> call(
      String service, String method, MessageLite request, Parser<Rep> replyParser, CallOptions options) {
    if (options.timeout().isZero() || options.timeout().isNegative()) {
      return failed(Status.DEADLINE_EXCEEDED, "no time left for a call to " + service);
    }
    RoutingTable table = runtime.routingTable();
    ServiceRoutes routes = table.services().get(service);
    ActorRef<CallMessage> instance = routes == null ? null : routes.pick(options.headers());
    if (instance == null) {
      RoutingTable.Miss miss = table.miss(service, options.headers());
      return failed(miss.status(), miss.message());
    }
    long callId = nextCallId.incrementAndGet();
    CompletableFuture<ByteString> reply = new CompletableFuture<>();
    Duration timeout = options.timeout();
    Cancellable timer =
        system
            .scheduler()
            .scheduleOnce(
                timeout,
                () -> {
                  Pending late = pending.remove(callId);
                  if (late != null) {
                    late.reply()
                        .completeExceptionally(
                            new ServiceException(
                                Status.DEADLINE_EXCEEDED,
                                "no reply from " + service + "." + method + " within " + timeout));
                  }
                },
                system.executionContext());
    pending.put(callId, new Pending(reply, timer));
    instance.tell(
        new ServiceCall(
            callId,
            method,
            request.toByteString(),
            System.nanoTime() + timeout.toNanos(),
            options.headers(),
            replies));
    // Completed by hand rather than with thenApply, so that a failure reaches the caller as the
    // ServiceException itself, not wrapped in a CompletionException.
    CompletableFuture<Rep> decoded = new CompletableFuture<>();
    reply.whenComplete(
        (payload, failure) -> {
          if (failure != null) {
            decoded.completeExceptionally(failure);
            return;
          }
          try {
            decoded.complete(replyParser.parseFrom(payload));
          } catch (InvalidProtocolBufferException e) {
            decoded.completeExceptionally(
                new ServiceException(
                    Status.INTERNAL,
                    "the reply of " + service + "." + method + " is not the expected message: "
                        + e.getMessage()));
          }
        });
    return decoded;
  }

  private void answer(CallResult result) {
    if (result.more()) {
      return; // a stream's items: not for a unary caller (the final frame ends the call)
    }
    Pending p = pending.remove(result.callId());
    if (p == null) {
      return; // already timed out
    }
    p.timer().cancel();
    if (result.status() == Status.OK) {
      p.reply().complete(result.payload());
    } else {
      p.reply().completeExceptionally(new ServiceException(result.status(), result.error()));
    }
  }

  private static <T> CompletionStage<T> failed(Status status, String message) {
    return CompletableFuture.failedFuture(new ServiceException(status, message));
  }
}
