package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * How a service calls another service by name through the mesh: with the same routing as a
 * client's call (a local instance when the service's strategy prefers one, another node's over
 * Artery otherwise), never through a TCP round trip back to the node's own port. Get it from
 * {@link ServiceContext#mesh()}.
 *
 * <pre>{@code
 * ctx.mesh()
 *     .call("ratelimit", "acquire", request, AcquireReply.parser(), CallOptions.within(call))
 *     .whenComplete((reply, failure) -> ...);   // then answer the call, e.g. via pipeToSelf
 * }</pre>
 *
 * <p>The stage completes with the decoded reply, or fails with a {@link ServiceException} whose
 * status is the callee's ({@code NOT_FOUND}, {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}, a
 * service's own failure, ...). It completes on a thread of the node's event loops: hand the
 * result to the actor (e.g. {@code ActorContext.pipeToSelf}) rather than touching its state.
 * Unary methods only.
 */
public interface MeshCaller {
  <Rep> CompletionStage<Rep> call(
      String service, String method, MessageLite request, Parser<Rep> replyParser, CallOptions options);

  /**
   * The deadline and headers of a call made through the mesh.
   *
   * @param timeout time the callee has; the call fails with {@code DEADLINE_EXCEEDED} after it
   * @param headers request headers for the callee (trace context, auth, routing keys)
   */
  record CallOptions(Duration timeout, Map<String, String> headers) {
    public CallOptions {
      requireNonNull(timeout, "timeout");
      headers = Map.copyOf(headers);
    }

    /**
     * Propagates a caller's context: the time it has left and its headers, so that the whole
     * chain of calls ends by the client's deadline and carries its trace and credentials.
     */
    public static CallOptions within(Call<?, ?> parent) {
      return new CallOptions(parent.remaining(), parent.headers());
    }

    /** A fresh context: this timeout, no headers. */
    public static CallOptions timeout(Duration timeout) {
      return new CallOptions(timeout, Map.of());
    }

    /** These options with one more header. */
    public CallOptions withHeader(String name, String value) {
      java.util.HashMap<String, String> more = new java.util.HashMap<>(headers);
      more.put(name, value);
      return new CallOptions(timeout, more);
    }
  }

  /** For services hosted outside a node (unit tests): every call fails with UNAVAILABLE. */
  MeshCaller NONE =
      new MeshCaller() {
        @Override
        public <Rep> CompletionStage<Rep> call(
            String service, String method, MessageLite request, Parser<Rep> replyParser, CallOptions options) {
          return java.util.concurrent.CompletableFuture.failedFuture(
              new ServiceException(
                  io.meshwork.protocol.v1.Status.UNAVAILABLE,
                  "this service instance is not hosted by a mesh node"));
        }
      };
}
