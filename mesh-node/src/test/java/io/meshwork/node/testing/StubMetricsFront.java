package io.meshwork.node.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP front for a node's management API: every GET is forwarded to the node (status, body and
 * headers), except {@code GET /metrics}, which the front answers itself in the Prometheus text
 * format with the Meshwork metric names, from counters that grow by known amounts at every scrape.
 * So the dashboard's metrics path can be checked in a browser whatever the node serves.
 *
 * <p>At every scrape: {@code echo} gets 100, 200 or 300 requests OK (in steps) plus one OVERLOADED;
 * of the OK ones 90% took under 1 ms, 99% under 10 ms, all under 100 ms, so its p99 over any
 * interval is 10 ms; {@code info} gets 20 to 50 requests, all under 1 ms.
 */
public final class StubMetricsFront implements AutoCloseable {
  private static final List<String> HOP_BY_HOP =
      List.of("connection", "content-length", "transfer-encoding", "date", "server", "keep-alive");

  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int target;
  private long scrapes;
  private long echoOk;
  private long echoOverloaded;
  private long infoOk;

  public StubMetricsFront(int managementPort) {
    this.target = managementPort;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
      } else if ("/metrics".equals(exchange.getRequestURI().getPath())) {
        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", scrape().getBytes(StandardCharsets.UTF_8));
      } else {
        forward(exchange);
      }
    } finally {
      exchange.close();
    }
  }

  private void forward(HttpExchange exchange) throws IOException {
    HttpResponse<byte[]> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + exchange.getRequestURI())).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
      if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT)) && !header.getKey().startsWith(":")) {
        exchange.getResponseHeaders().put(header.getKey(), header.getValue());
      }
    }
    byte[] body = response.body();
    exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private synchronized String scrape() {
    scrapes++;
    echoOk += 100 * (1 + (scrapes / 6) % 3);
    echoOverloaded += 1;
    infoOk += 20 + 10 * ((scrapes / 4) % 4);
    StringBuilder text = new StringBuilder();
    text.append("# HELP meshwork_requests_total Requests answered.\n")
        .append("# TYPE meshwork_requests_total counter\n")
        .append("meshwork_requests_total{service=\"echo\",method=\"\",status=\"OK\"} ").append(echoOk).append('\n')
        .append("meshwork_requests_total{service=\"echo\",method=\"\",status=\"OVERLOADED\"} ").append(echoOverloaded).append('\n')
        .append("meshwork_requests_total{service=\"info\",method=\"get\",status=\"OK\"} ").append(infoOk).append('\n')
        .append("# TYPE meshwork_request_duration_seconds histogram\n");
    // echo's OK requests (a multiple of 100): 90% within 1 ms, 99% within 10 ms, all within 100 ms.
    bucket(text, "echo", "", "0.001", echoOk * 90 / 100);
    bucket(text, "echo", "", "0.01", echoOk * 99 / 100);
    bucket(text, "echo", "", "0.1", echoOk);
    bucket(text, "echo", "", "+Inf", echoOk);
    bucket(text, "info", "get", "0.001", infoOk);
    bucket(text, "info", "get", "0.01", infoOk);
    bucket(text, "info", "get", "0.1", infoOk);
    bucket(text, "info", "get", "+Inf", infoOk);
    text.append("# TYPE meshwork_requests_in_flight gauge\nmeshwork_requests_in_flight 3\n")
        .append("# TYPE meshwork_connections_open gauge\nmeshwork_connections_open 7\n")
        .append("# TYPE meshwork_cluster_members gauge\nmeshwork_cluster_members{status=\"Up\"} 3\n");
    return text.toString();
  }

  private static void bucket(StringBuilder text, String service, String method, String le, long count) {
    text.append("meshwork_request_duration_seconds_bucket{service=\"")
        .append(service)
        .append("\",method=\"")
        .append(method)
        .append("\",le=\"")
        .append(le)
        .append("\"} ")
        .append(count)
        .append('\n');
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
