package io.meshwork.services.proxy;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.meshwork.protocol.services.v1.AcquireReply;
import io.meshwork.protocol.services.v1.AcquireRequest;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.CallerIdentity;
import io.meshwork.service.MeshCaller.CallOptions;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;

/**
 * {@code proxy}: the middle-end. Forwards a call to a back-end HTTP service: the method names a
 * route ({@code meshwork.proxy.routes { users = "http://10.0.0.5:8080/users" }}), the payload
 * becomes the body of a {@code POST} to it (through pekko-http's pooled client), and the response
 * body becomes the reply. HTTP failures become statuses: the back end unreachable or answering
 * 5xx: {@code UNAVAILABLE}; slower than the caller's deadline: {@code DEADLINE_EXCEEDED}; 404:
 * {@code NOT_FOUND}; 400/422: {@code BAD_REQUEST}; 401: {@code UNAUTHENTICATED}; 403: {@code
 * PERMISSION_DENIED}; 429, or the client's connection pool full: {@code OVERLOADED}. Request
 * headers travel as HTTP headers {@code x-mesh-<name>}. With {@code ratelimit-header} set, the
 * proxy first asks the {@code ratelimit} service, through the mesh, for a permit for the caller's
 * key: a service composed of others. The key is the caller's identity when the node authenticated
 * it ({@link CallerIdentity}), else the value of that header.
 */
public final class ProxyService implements MeshService {
  /** Records the outcome of one forwarded call on the actor. */
  private record Done(Call<ByteString, ByteString> call, ByteString body, Throwable failure) {}

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Object>builder("proxy")
        .anyMethod(call -> call)
        .behavior(ProxyService::behavior)
        .build();
  }

  private static Behavior<Object> behavior(ServiceContext context) {
    return Behaviors.setup(
        ctx -> {
          Config config = ctx.getSystem().settings().config().getConfig("meshwork.proxy");
          Map<String, String> routes = routes(config.getConfig("routes"));
          long maxBody = config.getBytes("max-response-size");
          String limitHeader = config.getString("ratelimit-header").trim();
          Http http = Http.get(ctx.getSystem());
          Materializer materializer = Materializer.matFromSystem(ctx.getSystem());
          return Behaviors.receive(Object.class)
              .onMessage(
                  Call.class,
                  raw -> {
                    @SuppressWarnings("unchecked")
                    Call<ByteString, ByteString> call = (Call<ByteString, ByteString>) raw;
                    String uri = routes.get(call.method());
                    if (uri == null) {
                      throw new ServiceException(
                          Status.BAD_REQUEST,
                          "no route \"" + call.method() + "\" (expected one of: "
                              + String.join(", ", routes.keySet()) + ")");
                    }
                    Duration timeout = call.remaining();
                    HttpRequest prepared =
                        HttpRequest.POST(uri)
                            .withEntity(ContentTypes.APPLICATION_OCTET_STREAM, call.request().toByteArray());
                    for (Map.Entry<String, String> h : call.headers().entrySet()) {
                      prepared = prepared.addHeader(RawHeader.create("x-mesh-" + h.getKey(), h.getValue()));
                    }
                    HttpRequest request = prepared;
                    CompletableFuture<ByteString> outcome =
                        admit(context, limitHeader, call)
                            .thenCompose(admitted -> http.singleRequest(request).toCompletableFuture())
                            .thenCompose(response -> body(response, maxBody, timeout, materializer, uri))
                            .orTimeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
                    ctx.pipeToSelf(outcome, (body, failure) -> new Done(call, body, failure));
                    return Behaviors.same();
                  })
              .onMessage(
                  Done.class,
                  d -> {
                    answer(d, uri(routes, d.call()));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /**
   * With {@code meshwork.proxy.ratelimit-header} set, asks the ratelimit service (through the
   * mesh, within the caller's deadline) for a permit for the caller's key before forwarding:
   * denied is {@code OVERLOADED} with the wait, and the back end never sees the call. The key is
   * the caller's authenticated identity when there is one (a client cannot choose it, so it cannot
   * spend another's permits), else the header's value.
   */
  private static CompletableFuture<Void> admit(
      ServiceContext context, String limitHeader, Call<ByteString, ByteString> call) {
    if (limitHeader.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String key = callerKey(call.headers(), limitHeader);
    if (key == null || key.isEmpty()) {
      return CompletableFuture.failedFuture(
          new ServiceException(
              Status.BAD_REQUEST,
              "header \"" + limitHeader + "\" missing (expected: the caller's key, which the proxy rate-limits)"));
    }
    return context
        .mesh()
        .call(
            "ratelimit",
            "acquire",
            AcquireRequest.newBuilder().setKey("proxy:" + key).setPermits(1).build(),
            AcquireReply.parser(),
            CallOptions.within(call))
        .toCompletableFuture()
        .thenApply(
            reply -> {
              if (!reply.getAllowed()) {
                throw new ServiceException(
                    Status.OVERLOADED,
                    "rate limit reached for \"" + key + "\": retry in " + reply.getWaitMs() + " ms");
              }
              return null;
            });
  }

  /** The key the proxy's limits count a call under: its caller's identity, else the header. */
  static String callerKey(Map<String, String> headers, String limitHeader) {
    String identity = CallerIdentity.of(headers);
    return identity != null ? identity : headers.get(limitHeader);
  }

  private static String uri(Map<String, String> routes, Call<?, ?> call) {
    return routes.get(call.method());
  }

  private static CompletableFuture<ByteString> body(
      HttpResponse response, long maxBody, Duration timeout, Materializer materializer, String uri) {
    int code = response.status().intValue();
    return response
        .entity()
        .withSizeLimit(maxBody)
        .toStrict(Math.max(1, timeout.toMillis()), materializer)
        .toCompletableFuture()
        .thenApply(
            strict -> {
              ByteString body = ByteString.copyFrom(strict.getData().toArrayUnsafe());
              if (code >= 200 && code < 300) {
                return body;
              }
              String text = body.size() > 200 ? body.substring(0, 200).toStringUtf8() + "..." : body.toStringUtf8();
              throw new ServiceException(
                  statusOf(code), "back end " + uri + " answered HTTP " + code + ": " + text);
            });
  }

  static Status statusOf(int httpCode) {
    return switch (httpCode) {
      case 400, 422 -> Status.BAD_REQUEST;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 404 -> Status.NOT_FOUND;
      case 429 -> Status.OVERLOADED;
      case 408, 504 -> Status.DEADLINE_EXCEEDED;
      default -> httpCode >= 500 ? Status.UNAVAILABLE : Status.INTERNAL;
    };
  }

  private static void answer(Done d, String uri) {
    Throwable failure = d.failure();
    while (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    if (failure == null) {
      d.call().reply(d.body());
    } else if (failure instanceof ServiceException se) {
      d.call().fail(se.status(), se.getMessage());
    } else if (failure instanceof TimeoutException) {
      d.call().fail(Status.DEADLINE_EXCEEDED, "back end " + uri + " did not answer within the deadline");
    } else if (failure instanceof org.apache.pekko.stream.BufferOverflowException) {
      d.call()
          .fail(
              Status.OVERLOADED,
              "the proxy's connection pool to " + uri + " is full (pekko.http.host-connection-pool."
                  + "max-open-requests); retry later");
    } else {
      String why = String.valueOf(failure.getMessage());
      d.call()
          .fail(
              Status.UNAVAILABLE,
              "back end " + uri + " unreachable: " + (why.length() > 200 ? why.substring(0, 200) + "..." : why));
    }
  }

  private static Map<String, String> routes(Config routes) {
    Map<String, String> map = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : routes.root().entrySet()) {
      String uri = String.valueOf(e.getValue().unwrapped());
      if (!uri.startsWith("http://") && !uri.startsWith("https://")) {
        throw new IllegalArgumentException(
            "meshwork.proxy.routes." + e.getKey() + ": \"" + uri + "\" (expected: an http:// or https:// URI)");
      }
      map.put(e.getKey(), uri);
    }
    return map;
  }
}
