package io.meshwork.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One pipelined connection to a Meshwork node (or to a service's dedicated port).
 *
 * <p>Any number of calls may be in flight at once; the client numbers them itself and matches the
 * replies by id, in whatever order they arrive. {@code call} never blocks: the request is queued
 * for a writer thread that coalesces bursts into few TCP writes, and the returned future completes
 * later. Every future completes, without exception, with a {@link Reply}:
 *
 * <ul>
 *   <li>the node's reply; its status may be any {@link Status};
 *   <li>{@code DEADLINE_EXCEEDED} synthesized by a client-side timer when no reply arrived within
 *       the deadline plus one second of grace (the node normally answers that itself);
 *   <li>{@code UNAVAILABLE} when the connection closes (the node closed it, it broke, or {@link
 *       #close()} was called) before the reply arrived, and for every call after that;
 *   <li>the status and error of a connection-level error reply (id 0) from the node, which fails
 *       every call in flight at that moment.
 * </ul>
 *
 * <p>Only the typed {@link #call(String, String, MessageLite, Parser)} completes exceptionally,
 * with a {@link MeshCallException} for any status but {@code OK}.
 *
 * <p>Futures complete on the client's reader or timer thread, so stages chained with the non-async
 * {@code CompletableFuture} methods run there and must not block; use the {@code ...Async} variants
 * for blocking work. Streaming replies ({@code more = true}) are not supported: a call completes
 * with its first reply frame.
 *
 * <p>Thread-safe. Close it when done: {@link #close()} stops its three daemon threads.
 */
public final class MeshClient implements AutoCloseable {
  private final Connection connection;
  private final MeshClientOptions options;

  private MeshClient(Connection connection, MeshClientOptions options) {
    this.connection = connection;
    this.options = options;
  }

  /**
   * Connects to a node with the {@linkplain MeshClientOptions#defaults() default options}.
   *
   * @throws ConnectException when the host cannot be resolved or the connection cannot be
   *     established; the message names the address and the reason
   */
  public static MeshClient connect(String host, int port) throws ConnectException {
    requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
    }
    return connect(InetSocketAddress.createUnresolved(host, port), MeshClientOptions.defaults());
  }

  /**
   * Connects to a node. An unresolved {@code address} is resolved first.
   *
   * @throws ConnectException when the host cannot be resolved or the connection cannot be
   *     established within {@link MeshClientOptions#connectTimeout()}; the message names the
   *     address and the reason, e.g. {@code cannot connect to 127.0.0.1:7700: Connection refused}
   */
  public static MeshClient connect(InetSocketAddress address, MeshClientOptions options)
      throws ConnectException {
    requireNonNull(address, "address");
    requireNonNull(options, "options");
    return new MeshClient(Connection.open(address, options), options);
  }

  /**
   * Calls {@code method} of {@code service} with the {@linkplain
   * MeshClientOptions#defaultDeadline() default deadline} and no headers.
   *
   * @return completes with the reply; see the {@linkplain MeshClient class description} for the
   *     statuses it may carry. Never completes exceptionally.
   */
  public CompletableFuture<Reply> call(String service, String method, ByteString payload) {
    return call(service, method, payload, options.defaultDeadline(), Map.of());
  }

  /**
   * Calls {@code method} of {@code service}.
   *
   * @param service the target service, e.g. {@code "echo"}; may be empty on a service's own port
   * @param method the operation; may be empty for single-operation services
   * @param payload the service's request message, serialized
   * @param deadline how long the node may take; sent as {@code deadline_ms} (rounded up to whole
   *     milliseconds). Between 1 ms and {@link MeshClientOptions#MAX_DEADLINE}.
   * @param headers sent with the request (auth token, trace context, ...)
   * @return completes with the reply; see the {@linkplain MeshClient class description} for the
   *     statuses it may carry. Never completes exceptionally.
   */
  public CompletableFuture<Reply> call(
      String service,
      String method,
      ByteString payload,
      Duration deadline,
      Map<String, String> headers) {
    requireNonNull(service, "service");
    requireNonNull(method, "method");
    requireNonNull(payload, "payload");
    MeshClientOptions.checkDeadline(deadline, "deadline");
    requireNonNull(headers, "headers");
    headers.forEach(
        (name, value) -> {
          requireNonNull(name, "headers: a header name");
          requireNonNull(value, () -> "headers: the value of " + name);
        });

    Request.Builder request =
        Request.newBuilder()
            .setService(service)
            .setMethod(method)
            .setPayload(payload)
            // uint32 on the wire: the int cast keeps the low 32 bits, which is the value.
            .setDeadlineMs((int) deadline.plusNanos(999_999).toMillis())
            .putAllHeaders(headers);
    return connection.send(request, deadline);
  }

  /**
   * Calls {@code method} of {@code service} with a typed request and reply, the {@linkplain
   * MeshClientOptions#defaultDeadline() default deadline} and no headers.
   *
   * @return completes with the parsed reply payload when the status is {@code OK}; otherwise
   *     completes exceptionally with a {@link MeshCallException}, or with an {@link
   *     InvalidProtocolBufferException} when the payload does not parse
   */
  public <T> CompletableFuture<T> call(
      String service, String method, MessageLite request, Parser<T> replyParser) {
    return call(service, method, request, replyParser, options.defaultDeadline(), Map.of());
  }

  /**
   * Calls {@code method} of {@code service} with a typed request and reply.
   *
   * @return completes with the parsed reply payload when the status is {@code OK}; otherwise
   *     completes exceptionally with a {@link MeshCallException}, or with an {@link
   *     InvalidProtocolBufferException} when the payload does not parse. Cancelling it cancels the
   *     call.
   * @see #call(String, String, ByteString, Duration, Map)
   */
  public <T> CompletableFuture<T> call(
      String service,
      String method,
      MessageLite request,
      Parser<T> replyParser,
      Duration deadline,
      Map<String, String> headers) {
    requireNonNull(request, "request");
    requireNonNull(replyParser, "replyParser");
    CompletableFuture<Reply> reply =
        call(service, method, request.toByteString(), deadline, headers);
    CompletableFuture<T> typed = reply.thenApply(r -> parse(r, replyParser));
    typed.whenComplete(
        (value, failure) -> {
          if (typed.isCancelled()) {
            reply.cancel(false);
          }
        });
    return typed;
  }

  private static <T> T parse(Reply reply, Parser<T> replyParser) {
    if (reply.getStatusValue() != Status.OK_VALUE) {
      throw new MeshCallException(reply.getStatus(), reply.getError());
    }
    try {
      return replyParser.parseFrom(reply.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw new CompletionException(e);
    }
  }

  /** True until the connection closes, by {@link #close()} or because it was lost. */
  public boolean isOpen() {
    return connection.isOpen();
  }

  /**
   * Closes the connection and stops the client's threads. Calls still waiting complete with {@code
   * UNAVAILABLE}, and so do all later calls. Idempotent.
   */
  @Override
  public void close() {
    connection.close();
  }

  @Override
  public String toString() {
    return "MeshClient[" + connection.peer() + (isOpen() ? "]" : ", closed]");
  }
}
