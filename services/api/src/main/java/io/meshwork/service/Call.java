package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.HeldCalls;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ReplySink;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One call of a service method: the decoded request, its context (method, headers, deadline) and
 * the way to answer it. A call is answered exactly once, with {@link #reply} or {@link #fail}; the
 * answer goes straight to the caller's connection, on this node or across the cluster.
 *
 * <p>A call may be answered from any thread (for example from a {@code pipeToSelf} callback), but
 * from one thread at a time.
 *
 * <p>A service that keeps a call past the message that brought it (a timer, a wait for another
 * actor) should ask to be told when the call ends without it: {@link #onCancel} sends the service a
 * message of its choosing when the caller's deadline passes or the caller's connection closes, so
 * that it can drop the call, and the request it holds, at once. After a cancellation {@link #reply}
 * and {@link #fail} send nothing.
 *
 * @param <Req> the request type
 * @param <Rep> the reply type
 */
public final class Call<Req, Rep> {
  private final long callId;
  private final String method;
  private final Req request;
  private final Map<String, String> headers;
  private final long deadlineNanos;
  private final ActorRef<ReplyMessage> replyTo;
  private final ReplySink sink;
  private final Function<? super Rep, ByteString> replyEncoder;
  private final HeldCalls held;
  private boolean completed;
  private volatile boolean cancelled;
  private ActorRef<Object> cancelTarget;
  private Object cancelMessage;

  /** Created by the runtime; services receive calls, they do not create them. */
  public Call(
      long callId,
      String method,
      Req request,
      Map<String, String> headers,
      long deadlineNanos,
      ActorRef<ReplyMessage> replyTo,
      ReplySink sink,
      Function<? super Rep, ByteString> replyEncoder) {
    this(callId, method, request, headers, deadlineNanos, replyTo, sink, replyEncoder, HeldCalls.NONE);
  }

  /** Created by the runtime, with the hosting instance's register of calls kept past a message. */
  public Call(
      long callId,
      String method,
      Req request,
      Map<String, String> headers,
      long deadlineNanos,
      ActorRef<ReplyMessage> replyTo,
      ReplySink sink,
      Function<? super Rep, ByteString> replyEncoder,
      HeldCalls held) {
    this.held = requireNonNull(held, "held");
    this.callId = callId;
    this.method = requireNonNull(method, "method");
    this.request = requireNonNull(request, "request");
    this.headers = requireNonNull(headers, "headers");
    this.deadlineNanos = deadlineNanos;
    this.replyTo = requireNonNull(replyTo, "replyTo");
    this.sink = requireNonNull(sink, "sink");
    this.replyEncoder = requireNonNull(replyEncoder, "replyEncoder");
  }

  /** The decoded request. */
  public Req request() {
    return request;
  }

  /** The method name the caller asked for. */
  public String method() {
    return method;
  }

  /** The caller's request headers (auth token, trace context, ...); never null. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Time left until the caller's deadline; zero or negative once it has passed. */
  public Duration remaining() {
    return Duration.ofNanos(deadlineNanos - System.nanoTime());
  }

  /**
   * True once the caller's deadline has passed: the caller has already been answered with {@code
   * DEADLINE_EXCEEDED}, so any further work for this call is wasted.
   */
  public boolean isExpired() {
    return System.nanoTime() - deadlineNanos >= 0;
  }

  /** True once {@link #reply} or {@link #fail} has been called. */
  public boolean isCompleted() {
    return completed;
  }

  /**
   * True once the call was cancelled: its deadline passed or its caller's connection closed while
   * the service held it after {@link #onCancel}. Nobody reads an answer to it any more.
   */
  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * Asks the runtime to send {@code message} to {@code target} (usually the service's own actor)
   * when this call is cancelled: when the caller's deadline passes, or when its connection closes,
   * before the call is answered. Then the service should forget the call: the runtime holds nothing
   * of it any more. Call it from the service's actor, while it handles the call or later; one
   * registration per call, a later one replaces it. Sent at once if the call is already cancelled
   * or expired; never sent after an answer.
   */
  @SuppressWarnings("unchecked")
  public <T> void onCancel(ActorRef<T> target, T message) {
    requireNonNull(target, "target");
    requireNonNull(message, "message");
    if (completed) {
      return;
    }
    boolean first = cancelTarget == null;
    this.cancelTarget = (ActorRef<Object>) (ActorRef<?>) target;
    this.cancelMessage = message;
    if (cancelled || isExpired()) {
      cancel();
    } else if (first) {
      held.hold(this);
    }
  }

  /**
   * Called by the runtime when nobody waits for this call any more; tells the service if it asked
   * ({@link #onCancel}). Does nothing once the call is answered or cancelled.
   */
  public void cancel() {
    if (cancelled || completed) {
      return;
    }
    cancelled = true;
    held.release(this);
    if (cancelTarget != null) {
      cancelTarget.tell(cancelMessage);
    }
  }

  /** The caller's deadline on this JVM's {@link System#nanoTime()} clock (for the runtime). */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** The call id and reply path that identify this call (for the runtime). */
  public long callId() {
    return callId;
  }

  public ActorRef<ReplyMessage> replyTo() {
    return replyTo;
  }

  /** Answers the call with {@code OK} and {@code reply}. */
  public void reply(Rep reply) {
    requireNonNull(reply, "reply");
    ByteString payload = replyEncoder.apply(reply);
    complete(new CallResult(callId, Status.OK, payload, "", false));
  }

  /** Answers the call with a failure status and a human-readable reason. */
  public void fail(Status status, String message) {
    ServiceException.requireFailure(status);
    requireNonNull(message, "message");
    complete(new CallResult(callId, status, ByteString.EMPTY, message, false));
  }

  private void complete(CallResult result) {
    if (completed) {
      throw new IllegalStateException(
          "call " + callId + " (" + method + ") was already answered (expected: one answer)");
    }
    completed = true;
    if (cancelTarget != null) {
      held.release(this);
    }
    if (!cancelled) {
      sink.send(replyTo, result);
    }
  }

  @Override
  public String toString() {
    return "Call{id=" + callId + ", method=" + method + ", completed=" + completed
        + ", cancelled=" + cancelled + '}';
  }
}
