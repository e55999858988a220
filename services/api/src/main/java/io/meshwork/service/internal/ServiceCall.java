package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A call on its way to a service instance, on this node or another. Every reply frame for it goes
 * to {@code replyTo} as a {@link CallResult} carrying {@code callId} (possibly inside a {@link
 * CallResultBatch}).
 *
 * @param callId chosen by the calling node, unique among its calls in flight to {@code replyTo}
 * @param method the method name as the client sent it
 * @param payload the request payload, not yet decoded
 * @param deadlineNanos the caller's deadline on this JVM's {@link System#nanoTime()} clock
 * @param headers the client's request headers
 * @param replyTo the caller's reply path (one per client connection)
 */
public record ServiceCall(
    long callId,
    String method,
    ByteString payload,
    long deadlineNanos,
    Map<String, String> headers,
    ActorRef<ReplyMessage> replyTo)
    implements CallMessage {

  public ServiceCall {
    requireNonNull(method, "method");
    requireNonNull(payload, "payload");
    requireNonNull(headers, "headers");
    requireNonNull(replyTo, "replyTo");
  }
}
