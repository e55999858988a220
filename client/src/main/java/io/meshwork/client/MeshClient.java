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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of one or more Meshwork nodes (or of a service's dedicated port): one pipelined
 * connection per node.
 *
 * <p><b>Several nodes.</b> {@link #connect(List, MeshClientOptions)} connects to every node given;
 * calls go to the connected nodes in turn. When a node goes away, the calls in flight on its
 * connection complete at once with {@code UNAVAILABLE} naming the node, new calls go to the other
 * nodes, and the client reconnects to it in the background with exponential backoff ({@link
 * MeshClientOptions#reconnect()}). A call made while no node is connected completes at once with
 * {@code UNAVAILABLE} saying why for each node. Calls are never resent by the client: only the
 * caller knows whether a call is safe to repeat.
 *
 * <p><b>Pipelining.</b> Any number of calls may be in flight at once; the client numbers them itself and matches the
 * replies by id, in whatever order they arrive. {@code call} never blocks: the request is queued
 * for a writer thread that coalesces bursts into few TCP writes, and the returned future completes
 * later. Every future completes, without exception, with a {@link Reply}:
 *
 * <ul>
 *   <li>the node's reply; its status may be any {@link Status};
 *   <li>{@code DEADLINE_EXCEEDED} synthesized by a client-side timer when no reply arrived within
 *       the deadline plus one second of grace (the node normally answers that itself);
 *   <li>{@code UNAVAILABLE} when the call's connection closes (the node closed it, it broke, or
 *       {@link #close()} was called) before the reply arrived, and for every call made while no
 *       node is connected or after {@link #close()};
 *   <li>the status and error of a connection-level error reply (id 0) from the node, which fails
 *       every call in flight at that moment.
 * </ul>
 *
 * <p>Only the typed {@link #call(String, String, MessageLite, Parser)} completes exceptionally,
 * with a {@link MeshCallException} for any status but {@code OK}.
 *
 * <p>Futures complete on the client's reader or timer thread, so stages chained with the non-async
 * {@code CompletableFuture} methods run there and must not block; use the {@code ...Async} variants
 * for blocking work.
 *
 * <p><b>Streaming methods</b> ({@code more = true} frames, then an end frame) are called with
 * {@link #stream}, which returns a {@link Flow.Publisher}: each subscription is one call, on a
 * connection of its own, and cancelling the subscription closes that connection, which cancels
 * the call at the service (protocol v1 has no other way to cancel one call).
 *
 * <p>Thread-safe. Close it when done: {@link #close()} stops its daemon threads (three per
 * connected node, and one for reconnecting when it has had to).
 */
public final class MeshClient implements AutoCloseable {
  private final NodePool pool;
  private final List<InetSocketAddress> nodes;
  private final MeshClientOptions options;
  private final AtomicLong streamIds = new AtomicLong(1);
  private final AtomicInteger nextStreamNode = new AtomicInteger();

  private MeshClient(NodePool pool, List<InetSocketAddress> nodes, MeshClientOptions options) {
    this.pool = pool;
    this.nodes = nodes;
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
    return connect(List.of(address), options);
  }

  /**
   * Connects to several nodes of one cluster, one after the other, and spreads calls over them
   * (see the {@linkplain MeshClient class description}). Nodes that cannot be reached now are
   * retried in the background, when {@link MeshClientOptions#reconnect()} is on.
   *
   * @param nodes the nodes' client endpoints; unresolved addresses are resolved at each connection
   * @throws ConnectException when no node can be reached; the message names each and its reason
   */
  public static MeshClient connect(List<InetSocketAddress> nodes, MeshClientOptions options)
      throws ConnectException {
    requireNonNull(nodes, "nodes");
    requireNonNull(options, "options");
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("nodes: empty (expected: at least one node)");
    }
    List<InetSocketAddress> copy = List.copyOf(nodes);
    return new MeshClient(NodePool.open(copy, options), copy, options);
  }

  /**
   * Parses {@code host:port,host:port,...} (IPv6 hosts in brackets) into unresolved addresses for
   * {@link #connect(List, MeshClientOptions)}.
   *
   * @throws IllegalArgumentException naming the entry that is not {@code host:port}
   */
  public static List<InetSocketAddress> parseNodes(String nodes) {
    requireNonNull(nodes, "nodes");
    List<InetSocketAddress> parsed = new ArrayList<>();
    for (String entry : nodes.split(",")) {
      String node = entry.trim();
      int colon = node.lastIndexOf(':');
      String host = colon > 0 ? node.substring(0, colon) : "";
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = colon > 0 ? Integer.parseInt(node.substring(colon + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (host.isEmpty() || port < 1 || port > 65535) {
        throw new IllegalArgumentException("nodes: '" + node + "' (expected: host:port)");
      }
      parsed.add(InetSocketAddress.createUnresolved(host, port));
    }
    return List.copyOf(parsed);
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
    return pool.send(request(service, method, payload, deadline, headers), deadline);
  }

  private static Request.Builder request(
      String service, String method, ByteString payload, Duration deadline, Map<String, String> headers) {
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
    return Request.newBuilder()
        .setService(service)
        .setMethod(method)
        .setPayload(payload)
        // uint32 on the wire: the int cast keeps the low 32 bits, which is the value.
        .setDeadlineMs((int) deadline.plusNanos(999_999).toMillis())
        .putAllHeaders(headers);
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

  /**
   * Calls streaming {@code method} of {@code service}: each subscription to the returned publisher
   * is one call, on a connection of its own to one of the client's nodes (in turn; the next one
   * when a node cannot be reached). The subscriber gets each item frame's payload, then {@code
   * onComplete} when the stream ends {@code OK}, or {@code onError} with a {@link
   * MeshCallException} carrying the status that ended it (for example {@code OVERLOADED} when the
   * subscriber asked for items too slowly and the node's buffer filled, or {@code UNAVAILABLE} when
   * the connection was lost). {@code deadline} bounds the wait for the first frame only.
   * Cancelling the subscription closes its connection, which cancels the call at the service.
   *
   * <p>Items are read from the socket only as the subscriber requests them. Signals run on the
   * stream's own daemon thread ({@code meshwork-client-stream-...}); do not block in them.
   */
  public Flow.Publisher<ByteString> stream(
      String service, String method, ByteString payload, Duration deadline, Map<String, String> headers) {
    return stream(service, method, payload, deadline, headers, Reply::getPayload);
  }

  /**
   * Calls streaming {@code method} of {@code service} with a typed request, parsing every item
   * with {@code itemParser}; an item that does not parse ends the stream with {@code onError} (an
   * {@link IllegalArgumentException} whose cause is the parser's exception) and cancels it. See
   * {@link #stream(String, String, ByteString, Duration, Map)}.
   */
  public <T> Flow.Publisher<T> stream(
      String service,
      String method,
      MessageLite request,
      Parser<T> itemParser,
      Duration deadline,
      Map<String, String> headers) {
    requireNonNull(request, "request");
    requireNonNull(itemParser, "itemParser");
    return stream(
        service,
        method,
        request.toByteString(),
        deadline,
        headers,
        reply -> {
          try {
            return itemParser.parseFrom(reply.getPayload());
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                service + "/" + method + ": a stream item does not parse: " + e.getMessage(), e);
          }
        });
  }

  private <T> Flow.Publisher<T> stream(
      String service,
      String method,
      ByteString payload,
      Duration deadline,
      Map<String, String> headers,
      java.util.function.Function<Reply, T> items) {
    Request request = request(service, method, payload, deadline, headers).setId(1).build();
    return subscriber -> {
      requireNonNull(subscriber, "subscriber");
      if (pool.isClosed()) {
        subscriber.onSubscribe(
            new Flow.Subscription() {
              @Override
              public void request(long n) {}

              @Override
              public void cancel() {}
            });
        subscriber.onError(new MeshCallException(Status.UNAVAILABLE, "the client is closed"));
        return;
      }
      int first = Math.floorMod(nextStreamNode.getAndIncrement(), nodes.size());
      new StreamCall<>(nodes, first, request, deadline, options, items, subscriber)
          .start(service + "-" + streamIds.getAndIncrement());
    };
  }

  /**
   * True while the client is connected to at least one node; false after {@link #close()} and
   * while every connection is lost (reconnecting, when {@link MeshClientOptions#reconnect()}).
   */
  public boolean isOpen() {
    return pool.isUp();
  }

  /**
   * Closes every connection and stops the client's threads. Calls still waiting complete with
   * {@code UNAVAILABLE}, and so do all later calls. Streams already running go on until they end
   * or are cancelled. Idempotent.
   */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "MeshClient[" + pool + "]";
  }
}
