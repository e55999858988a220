package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Client authentication on real sockets: {@code host} hosts echo and inspect, {@code router} hosts
 * nothing and forwards to it, both with meshwork.auth on and a dedicated echo port; {@code open}
 * has auth off. Two clients: {@code full} may call anything, {@code narrow} only echo/ping and
 * inspect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTest {
  private static final String FULL_TOKEN = "full-7c1d2e9a4b5f6071-token";
  private static final String NARROW_TOKEN = "narrow-0a9b8c7d6e5f4031-token";
  private static final String WRONG_TOKEN = "wrong-55aa55aa55aa55aa-token";

  private final TestNodes nodes = new TestNodes();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private MeshNode host;
  private MeshNode router;
  private MeshNode open;
  private InetSocketAddress routerEchoPort;

  static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, Object> authOn() {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.auth.enabled", true);
    conf.put("meshwork.auth.clients.full.token-sha256", sha256(FULL_TOKEN));
    conf.put("meshwork.auth.clients.full.allow", List.of("*"));
    conf.put("meshwork.auth.clients.narrow.token-sha256", sha256(NARROW_TOKEN));
    conf.put("meshwork.auth.clients.narrow.allow", List.of("echo/ping", "inspect"));
    conf.put("meshwork.endpoint.service-ports.echo", 0);
    return conf;
  }

  @BeforeAll
  void start() throws Exception {
    logs.start();
    root().addAppender(logs);
    host = nodes.start("echo,inspect", null, authOn());
    router = nodes.start("none", host, authOn());
    open = nodes.start("none", host);
    TestNodes.awaitUp(host, router, open);
    routerEchoPort =
        router.serviceEndpoints().toCompletableFuture().get(10, TimeUnit.SECONDS).get("echo");
    // The router and the open node learn of the host's services by gossip.
    for (MeshNode n : List.of(router, open)) {
      Poll.until(
          Duration.ofSeconds(20),
          "echo routable through " + n.system().address(),
          () -> {
            try (WireConnection c = new WireConnection(TestNodes.endpoint(n))) {
              return c.call(echo(1, "ping", "Bearer " + FULL_TOKEN)).getStatus() == Status.OK;
            }
          });
    }
  }

  @AfterAll
  void stop() {
    nodes.close();
    root().detachAppender(logs);
    // Nothing the nodes logged, from start-up to shutdown, holds a token.
    for (ILoggingEvent event : logs.list) {
      assertThat(event.getFormattedMessage())
          .as("log line")
          .doesNotContain(FULL_TOKEN, NARROW_TOKEN, WRONG_TOKEN);
    }
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static Request echo(long id, String method, String authorization) {
    Request.Builder r =
        Request.newBuilder()
            .setId(id)
            .setService("echo")
            .setMethod(method)
            .setPayload(ByteString.copyFromUtf8("p" + id));
    if (authorization != null) {
      r.putHeaders("authorization", authorization);
    }
    return r.build();
  }

  private static Request call(long id, String service, String method, String authorization) {
    return echo(id, method, authorization).toBuilder().setService(service).build();
  }

  private static Reply callOn(InetSocketAddress address, Request request) {
    try (WireConnection c = new WireConnection(address)) {
      return c.call(request);
    }
  }

  private static void assertNoToken(Reply reply) {
    assertThat(reply.getError()).doesNotContain(FULL_TOKEN, NARROW_TOKEN, WRONG_TOKEN);
  }

  @Test
  void aRequestWithoutATokenIsUnauthenticated() {
    for (MeshNode n : List.of(host, router)) {
      Reply reply = callOn(TestNodes.endpoint(n), echo(7, "ping", null));
      assertThat(reply.getId()).isEqualTo(7);
      assertThat(reply.getStatus()).isEqualTo(Status.UNAUTHENTICATED);
      assertThat(reply.getError()).startsWith("no credentials").contains("\"authorization\"");
      assertThat(reply.getPayload().isEmpty()).isTrue();
      // An empty value, or a scheme without a token, counts as none.
      assertThat(callOn(TestNodes.endpoint(n), echo(8, "ping", "Bearer  ")).getStatus())
          .isEqualTo(Status.UNAUTHENTICATED);
    }
  }

  @Test
  void anUnknownTokenIsUnauthenticatedAndNotRepeated() {
    for (String value : List.of(WRONG_TOKEN, "Bearer " + WRONG_TOKEN, FULL_TOKEN + "x")) {
      Reply reply = callOn(TestNodes.endpoint(router), echo(1, "ping", value));
      assertThat(reply.getStatus()).isEqualTo(Status.UNAUTHENTICATED);
      assertThat(reply.getError()).isEqualTo("unknown token in the request header \"authorization\"");
      assertNoToken(reply);
    }
  }

  @Test
  void aKnownTokenWithPermissionIsServedThroughTheRouter() {
    for (String value : List.of("Bearer " + NARROW_TOKEN, NARROW_TOKEN, "bearer " + NARROW_TOKEN)) {
      Reply reply = callOn(TestNodes.endpoint(router), echo(3, "ping", value));
      assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("p3");
    }
  }

  @Test
  void aKnownTokenOutsideItsServicesIsPermissionDenied() {
    Reply reply = callOn(TestNodes.endpoint(router), call(4, "kv", "get", "Bearer " + NARROW_TOKEN));
    assertThat(reply.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(reply.getError()).startsWith("client \"narrow\" may not call kv/get");
    assertNoToken(reply);
    // The full client may call it: the check passes, and routing answers (no kv in this cluster).
    Reply full = callOn(TestNodes.endpoint(router), call(5, "kv", "get", "Bearer " + FULL_TOKEN));
    assertThat(full.getStatus()).isIn(Status.NOT_FOUND, Status.UNAVAILABLE);
  }

  @Test
  void aKnownTokenOutsideItsMethodsIsPermissionDenied() {
    Reply denied = callOn(TestNodes.endpoint(host), echo(6, "pong", "Bearer " + NARROW_TOKEN));
    assertThat(denied.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(denied.getError()).startsWith("client \"narrow\" may not call echo/pong");
    Reply empty = callOn(TestNodes.endpoint(host), echo(7, "", "Bearer " + NARROW_TOKEN));
    assertThat(empty.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(empty.getError()).startsWith("client \"narrow\" may not call echo (empty method)");
    assertThat(callOn(TestNodes.endpoint(host), echo(8, "pong", FULL_TOKEN)).getStatus())
        .isEqualTo(Status.OK);
  }

  @Test
  void aDedicatedPortAppliesTheSameRules() {
    // The router's dedicated echo port: requests may leave the service empty; echo runs on host.
    Request bare = Request.newBuilder().setId(9).setMethod("ping").build();
    assertThat(callOn(routerEchoPort, bare).getStatus()).isEqualTo(Status.UNAUTHENTICATED);
    assertThat(
            callOn(routerEchoPort, bare.toBuilder().putHeaders("authorization", WRONG_TOKEN).build())
                .getStatus())
        .isEqualTo(Status.UNAUTHENTICATED);
    Reply ok =
        callOn(routerEchoPort, bare.toBuilder().putHeaders("authorization", "Bearer " + NARROW_TOKEN).build());
    assertThat(ok.getStatus()).as(ok.getError()).isEqualTo(Status.OK);
    Reply denied =
        callOn(
            routerEchoPort,
            bare.toBuilder().setMethod("pong").putHeaders("authorization", "Bearer " + NARROW_TOKEN).build());
    assertThat(denied.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(denied.getError()).startsWith("client \"narrow\" may not call echo/pong");
  }

  @Test
  void pipelinedRequestsWithMixedTokensEachGetTheirOwnStatus() {
    String[] values = {
      null, "Bearer " + WRONG_TOKEN, "Bearer " + NARROW_TOKEN, "Bearer " + NARROW_TOKEN, FULL_TOKEN
    };
    String[] methods = {"ping", "ping", "ping", "pong", "pong"};
    Status[] expected = {
      Status.UNAUTHENTICATED, Status.UNAUTHENTICATED, Status.OK, Status.PERMISSION_DENIED, Status.OK
    };
    int count = 500;
    try (WireConnection c = new WireConnection(TestNodes.endpoint(router))) {
      for (int id = 1; id <= count; id++) {
        int k = id % values.length;
        c.write(echo(id, methods[k], values[k]));
      }
      c.flush();
      Map<Long, Reply> replies = new HashMap<>();
      for (int i = 0; i < count; i++) {
        Reply reply = c.read();
        replies.put(reply.getId(), reply);
      }
      assertThat(replies).hasSize(count);
      for (int id = 1; id <= count; id++) {
        Reply reply = replies.get((long) id);
        int k = id % values.length;
        assertThat(reply.getStatus()).as("id %d: %s", id, reply.getError()).isEqualTo(expected[k]);
        if (expected[k] == Status.OK) {
          assertThat(reply.getPayload().toStringUtf8()).isEqualTo("p" + id);
        }
        assertNoToken(reply);
      }
    }
  }

  @Test
  void servicesNeverSeeTheTokenButDoSeeTheOtherHeaders() throws InvalidProtocolBufferException {
    Request request =
        Request.newBuilder()
            .setId(11)
            .setService("inspect")
            .setMethod("get")
            .setPayload(StringValue.of("x").toByteString())
            .putHeaders("authorization", "Bearer " + NARROW_TOKEN)
            .putHeaders("trace", "t-1")
            .build();
    Reply reply = callOn(TestNodes.endpoint(router), request);
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    String seen = StringValue.parseFrom(reply.getPayload()).getValue();
    // The node stamps who called: the authenticated client's name, which services key limits by.
    assertThat(seen)
        .contains("headers={meshwork-client=narrow, trace=t-1}")
        .doesNotContain(NARROW_TOKEN, "authorization");

    // The header's name in another case counts, and is removed too.
    Request capitalized =
        request.toBuilder()
            .clearHeaders()
            .putHeaders("Authorization", "Bearer " + NARROW_TOKEN)
            .putHeaders("trace", "t-2")
            .build();
    Reply again = callOn(TestNodes.endpoint(router), capitalized);
    assertThat(again.getStatus()).as(again.getError()).isEqualTo(Status.OK);
    assertThat(StringValue.parseFrom(again.getPayload()).getValue())
        .contains("headers={meshwork-client=narrow, trace=t-2}")
        .doesNotContain(NARROW_TOKEN);

    // A client cannot pass itself off as another: its own meshwork-client header is replaced.
    Request forged =
        request.toBuilder().putHeaders("meshwork-client", "admin").build();
    Reply stamped = callOn(TestNodes.endpoint(router), forged);
    assertThat(StringValue.parseFrom(stamped.getPayload()).getValue())
        .contains("meshwork-client=narrow")
        .doesNotContain("admin");
  }

  @Test
  void meshctlSendsItsTokenAndExitsWithTheStatus() {
    String node = "127.0.0.1:" + TestNodes.endpoint(router).getPort();
    assertThat(meshctl("call", "echo", "ping", "--node", node, "--text", "hi", "--token", NARROW_TOKEN))
        .isZero();
    assertThat(meshctl("call", "echo", "ping", "--node", node, "--text", "hi")).isEqualTo(16);
    assertThat(meshctl("call", "echo", "ping", "--node", node, "--token", WRONG_TOKEN)).isEqualTo(16);
    assertThat(meshctl("call", "echo", "pong", "--node", node, "--token", NARROW_TOKEN)).isEqualTo(17);
  }

  private static int meshctl(String... args) {
    java.io.StringWriter sink = new java.io.StringWriter();
    return new picocli.CommandLine(new io.meshwork.client.cli.Meshctl())
        .setOut(new java.io.PrintWriter(sink, true))
        .setErr(new java.io.PrintWriter(sink, true))
        .execute(args);
  }

  @Test
  void withAuthOffEverythingIsServedAsBeforeAndForwardedCallsAreTrusted() throws Exception {
    // The open node checks nothing; the host it forwards to (auth on) trusts the forwarded call.
    Reply none = callOn(TestNodes.endpoint(open), echo(12, "anything", null));
    assertThat(none.getStatus()).as(none.getError()).isEqualTo(Status.OK);
    assertThat(none.getPayload().toStringUtf8()).isEqualTo("p12");
    // And headers reach the service unchanged, whatever they hold.
    Request request =
        Request.newBuilder()
            .setId(13)
            .setService("inspect")
            .setMethod("get")
            .setPayload(StringValue.of("x").toByteString())
            .putHeaders("authorization", "anything")
            .build();
    Reply reply = callOn(TestNodes.endpoint(open), request);
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    assertThat(StringValue.parseFrom(reply.getPayload()).getValue()).contains("authorization=anything");
  }
}
