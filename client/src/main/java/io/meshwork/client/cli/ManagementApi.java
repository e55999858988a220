package io.meshwork.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A node's management HTTP API (Pekko Management plus Meshwork's {@code /services} routes), over
 * {@link HttpClient}. Every failure becomes a {@link MeshctlException} naming the address: {@link
 * ExitCodes#MANAGEMENT_UNREACHABLE} when nothing answers, {@link ExitCodes#MANAGEMENT_ERROR} for an
 * error answer or a body meshctl cannot read. JSON is read into protobuf's {@link Struct}, so
 * meshctl needs no JSON library of its own.
 */
final class ManagementApi {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_ERROR_CHARS = 300;

  /** One HTTP answer. */
  record Response(int status, String body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  private final String base;
  private final HttpClient http;
  /** The Authorization header of the mutating requests, or null. */
  private final String authorization;

  ManagementApi(InetSocketAddress address) {
    this(address, false, null);
  }

  /**
   * With {@code authorization} (e.g. {@code Basic ...}) sent with the mutating requests only, so
   * that reading never sends a password.
   */
  ManagementApi(InetSocketAddress address, boolean https, String authorization) {
    this.authorization = authorization;
    String host = address.getHostString();
    this.base =
        (https ? "https://" : "http://")
            + (host.contains(":") ? "[" + host + "]" : host)
            + ":"
            + address.getPort();
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  }

  /** {@code http://host:port}, for messages. */
  String base() {
    return base;
  }

  /** One path segment, percent-encoded. */
  static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code GET path}: the body as JSON; anything but 200 is an error naming the node's reason. */
  Struct getJson(String path) {
    Response response = send(request(path).GET().build());
    if (!response.ok()) {
      throw new MeshctlException(ExitCodes.MANAGEMENT_ERROR, failure("GET " + path, response));
    }
    return parse(response.body(), "GET " + path);
  }

  /** {@code GET path} as it came: the body of a 200, or an error. */
  String getText(String path) {
    Response response = send(request(path).GET().build());
    if (!response.ok()) {
      throw new MeshctlException(ExitCodes.MANAGEMENT_ERROR, failure("GET " + path, response));
    }
    return response.body();
  }

  /** {@code GET path}, whatever the status. */
  Response get(String path) {
    return send(request(path).GET().build());
  }

  Response delete(String path) {
    return send(authorized(request(path)).DELETE().build());
  }

  /** {@code PUT path} with an {@code application/x-www-form-urlencoded} body. */
  Response putForm(String path, String form) {
    return send(
        authorized(request(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .PUT(HttpRequest.BodyPublishers.ofString(form))
            .build());
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return authorization == null ? request : request.header("Authorization", authorization);
  }

  /** True when the mutating requests carry credentials. */
  boolean hasCredentials() {
    return authorization != null;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json");
  }

  private Response send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      String reason = describe(e);
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_UNREACHABLE,
          "cannot reach the management API at "
              + base
              + ": "
              + reason
              + " (set it with --management HOST:PORT or MESHCTL_MANAGEMENT)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshctlException(ExitCodes.INTERNAL, "interrupted");
    }
  }

  /** The first message among an exception and its causes (HttpClient's own are often null). */
  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    // HttpClient reports a refused connection as a ConnectException without a message.
    return e instanceof java.net.ConnectException
        ? "connection refused"
        : e.getClass().getSimpleName();
  }

  /** {@code "GET /x at http://...: HTTP 404: reason"}, the reason read from the body. */
  String failure(String what, Response response) {
    return what + " at " + base + ": HTTP " + response.status() + ": " + reason(response.body());
  }

  /**
   * The reason in an error body: Meshwork's {@code {"error": ...}}, Pekko Management's {@code
   * {"message": ...}}, or the start of the text.
   */
  static String reason(String body) {
    if (body == null || body.isBlank()) {
      return "(no reason given)";
    }
    try {
      Struct json = parseStruct(body);
      for (String key : new String[] {"error", "message"}) {
        Value value = json.getFieldsMap().get(key);
        if (value != null && value.hasStringValue()) {
          return value.getStringValue();
        }
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // Not JSON: show the text.
    }
    String text = MeshctlException.oneLine(body);
    return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "...";
  }

  /** A JSON object, or a {@link ExitCodes#MANAGEMENT_ERROR} naming what was asked. */
  Struct parse(String body, String what) {
    try {
      return parseStruct(body);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          what + " at " + base + ": the answer is not a JSON object: " + e.getMessage());
    }
  }

  static Struct parseStruct(String json) throws InvalidProtocolBufferException {
    Struct.Builder struct = Struct.newBuilder();
    JsonFormat.parser().merge(json, struct);
    return struct.build();
  }
}
