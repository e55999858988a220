package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ReplySink;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One call of a streaming method: the decoded request and a stream of replies. The service sends
 * any number of items with {@link #emit}, each reaching the client as a reply frame with {@code
 * more = true}, and ends the stream once with {@link #complete} or {@link #fail}.
 *
 * <p>The caller's deadline bounds the time to the first item; once the stream has started it
 * lasts until the service ends it or the stream is cancelled: the client disconnected, or it did
 * not read fast enough and the node ended the stream with {@code OVERLOADED}. A service that
 * emits on its own schedule (timers, subscriptions) should ask to be told: {@link #onCancel}
 * sends it a message of its choosing, and after a cancellation {@link #emit} returns false and
 * sends nothing.
 *
 * <p>Use a stream call from its service's actor (or one thread at a time).
 *
 * @param <Req> the request type
 * @param <Rep> the type of the stream's items
 */
public final class StreamCall<Req, Rep> {
  private final long callId;
  private final String method;
  private final Req request;
  private final Map<String, String> headers;
  private final ActorRef<ReplyMessage> replyTo;
  private final ReplySink sink;
  private final Function<? super Rep, ByteString> itemEncoder;
  private final Consumer<StreamCall<?, ?>> onEnd;
  private volatile boolean cancelled;
  private boolean completed;
  private long emitted;
  private ActorRef<Object> cancelTarget;
  private Object cancelMessage;

  /** Created by the runtime; services receive stream calls, they do not create them. */
  public StreamCall(
      long callId,
      String method,
      Req request,
      Map<String, String> headers,
      ActorRef<ReplyMessage> replyTo,
      ReplySink sink,
      Function<? super Rep, ByteString> itemEncoder,
      Consumer<StreamCall<?, ?>> onEnd) {
    this.callId = callId;
    this.method = requireNonNull(method, "method");
    this.request = requireNonNull(request, "request");
    this.headers = requireNonNull(headers, "headers");
    this.replyTo = requireNonNull(replyTo, "replyTo");
    this.sink = requireNonNull(sink, "sink");
    this.itemEncoder = requireNonNull(itemEncoder, "itemEncoder");
    this.onEnd = requireNonNull(onEnd, "onEnd");
  }

  public Req request() {
    return request;
  }

  public String method() {
    return method;
  }

  /** The caller's request headers; never null. */
  public Map<String, String> headers() {
    return headers;
  }

  /** True once the stream was cancelled: nobody reads its items any more. */
  public boolean isCancelled() {
    return cancelled;
  }

  /** True once {@link #complete} or {@link #fail} has been called. */
  public boolean isCompleted() {
    return completed;
  }

  /** Items sent so far. */
  public long emitted() {
    return emitted;
  }

  /**
   * Sends one item. Returns false, sending nothing, when the stream was cancelled.
   *
   * @throws IllegalStateException after {@link #complete} or {@link #fail}
   */
  public boolean emit(Rep item) {
    requireNonNull(item, "item");
    if (completed) {
      throw new IllegalStateException("stream " + callId + " (" + method + ") has ended");
    }
    if (cancelled) {
      return false;
    }
    emitted++;
    sink.send(replyTo, new CallResult(callId, Status.OK, itemEncoder.apply(item), "", true));
    return true;
  }

  /** Ends the stream successfully: a last frame with {@code OK} and {@code more = false}. */
  public void complete() {
    end(new CallResult(callId, Status.OK, ByteString.EMPTY, "", false));
  }

  /** Ends the stream with a failure status and a human-readable reason. */
  public void fail(Status status, String message) {
    ServiceException.requireFailure(status);
    requireNonNull(message, "message");
    end(new CallResult(callId, status, ByteString.EMPTY, message, false));
  }

  /**
   * Asks the runtime to send {@code message} to {@code target} when this stream is cancelled (at
   * once if it already was). One registration per stream; a later one replaces it.
   */
  @SuppressWarnings("unchecked")
  public <T> void onCancel(ActorRef<T> target, T message) {
    requireNonNull(target, "target");
    requireNonNull(message, "message");
    this.cancelTarget = (ActorRef<Object>) (ActorRef<?>) target;
    this.cancelMessage = message;
    if (cancelled && !completed) {
      cancelTarget.tell(cancelMessage);
    }
  }

  /** Called by the runtime when the caller cancels. */
  public void cancel() {
    if (cancelled || completed) {
      return;
    }
    cancelled = true;
    onEnd.accept(this);
    if (cancelTarget != null) {
      cancelTarget.tell(cancelMessage);
    }
  }

  /** The call id and reply path that identify this stream (for the runtime). */
  public long callId() {
    return callId;
  }

  public ActorRef<ReplyMessage> replyTo() {
    return replyTo;
  }

  private void end(CallResult last) {
    if (completed) {
      throw new IllegalStateException(
          "stream " + callId + " (" + method + ") was already ended (expected: one end)");
    }
    completed = true;
    onEnd.accept(this);
    if (!cancelled) {
      sink.send(replyTo, last);
    }
  }

  @Override
  public String toString() {
    return "StreamCall{id=" + callId + ", method=" + method + ", emitted=" + emitted
        + ", cancelled=" + cancelled + ", completed=" + completed + '}';
  }
}
