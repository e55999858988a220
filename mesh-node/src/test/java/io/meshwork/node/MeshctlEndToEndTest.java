package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.client.cli.Meshctl;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * meshctl, run in this JVM as a user runs it, against two real nodes: {@code host} serves echo,
 * info, hash and kv; {@code router} hosts nothing and allows the mutating management routes, with
 * credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshctlEndToEndTest {
  private static final String PASSWORD = "meshctl-e2e-password";

  private final TestNodes nodes = new TestNodes();
  private MeshNode host;
  private MeshNode router;

  /** What one meshctl run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  @BeforeAll
  void startCluster() {
    host = nodes.start("echo,info,hash,kv,conformance", null);
    router =
        nodes.start(
            "none",
            host,
            Map.of(
                "meshwork.management.allow-mutations", true,
                "meshwork.management.user", "ops",
                "meshwork.management.password-sha256", AuthTest.sha256(PASSWORD)));
    TestNodes.awaitUp(host, router);
    // The router learns of the host's services by gossip; wait until it routes to them.
    Poll.until(
        Duration.ofSeconds(20),
        "the router routes echo and kv",
        () ->
            meshctl("call", "echo", "--node", node(router), "--text", "warm-up").exitCode() == 0
                && meshctl(
                            "call",
                            "kv",
                            "get",
                            "--json",
                            "{\"key\":\"warm-up\"}",
                            "--management",
                            management(host),
                            "--node",
                            node(router))
                        .exitCode()
                    == 0);
  }

  @AfterAll
  void stopCluster() {
    nodes.close();
  }

  private static Run meshctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        new CommandLine(new Meshctl())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static String node(MeshNode node) {
    return "127.0.0.1:" + TestNodes.endpoint(node).getPort();
  }

  private static String management(MeshNode node) {
    return "127.0.0.1:" + TestNodes.managementPort(node);
  }

  private static String address(MeshNode node) {
    return node.system().address().toString();
  }

  /** README "meshctl": the JSON example, put through one node and read back through another. */
  @Test
  void kvPutAndGetRoundTripInJson() {
    Run put =
        meshctl(
            "call",
            "kv",
            "put",
            "--json",
            "{\"key\":\"greeting\",\"value\":\"aGVsbG8=\"}",
            "--management",
            management(host),
            "--node",
            node(host));
    assertThat(put.exitCode()).as(put.err()).isZero();
    assertThat(put.err()).isEqualTo("OK\n");
    assertThat(put.out()).isEqualTo("{\n}\n");

    Run get =
        meshctl(
            "call",
            "kv",
            "get",
            "--json",
            "{\"key\":\"greeting\"}",
            "--management",
            management(router),
            "--node",
            node(router));
    assertThat(get.exitCode()).as(get.err()).isZero();
    assertThat(get.out()).isEqualTo("{\n  \"found\": true,\n  \"value\": \"aGVsbG8=\"\n}\n");

    Run missing =
        meshctl(
            "call",
            "kv",
            "get",
            "--json",
            "{\"key\":\"no-such-key\"}",
            "--management",
            management(router),
            "--node",
            node(router));
    assertThat(missing.out()).isEqualTo("{\n  \"found\": false,\n  \"value\": \"\"\n}\n");
  }

  /** hash publishes its types: bytes travel as base64 in both directions. */
  @Test
  void hashSha256TakesAndPrintsBytesAsBase64() {
    Run run =
        meshctl(
            "call",
            "hash",
            "sha256",
            "--json",
            "{\"data\":\"aGVsbG8=\"}",
            "--management",
            management(router),
            "--node",
            node(router));

    assertThat(run.exitCode()).as(run.err()).isZero();
    // SHA-256("hello") = 2cf24dba...938b9824, in base64.
    assertThat(run.out()).isEqualTo("{\n  \"digest\": \"LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=\"\n}\n");
  }

  /** A streaming method: every item printed as it arrives, then the end's status and exit code. */
  @Test
  void streamingMethodsPrintEachItemThenTheEnd() {
    Run ok =
        meshctl(
            "call", "conformance", "stream", "--json", "{\"count\":3,\"interval_ms\":10}",
            "--management", management(router), "--node", node(router));
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out())
        .isEqualTo(
            "{\n  \"index\": 0,\n  \"payload\": \"\"\n}\n"
                + "{\n  \"index\": 1,\n  \"payload\": \"\"\n}\n"
                + "{\n  \"index\": 2,\n  \"payload\": \"\"\n}\n");
    assertThat(ok.err()).isEqualTo("OK\n");

    Run failed =
        meshctl(
            "call", "conformance", "stream", "--json",
            "{\"count\":2,\"end_status\":\"UNAVAILABLE\",\"end_error\":\"the feed went away\"}",
            "--management", management(router), "--node", node(router));
    assertThat(failed.exitCode()).isEqualTo(13);
    assertThat(failed.out().split("\"index\"", -1)).hasSize(3);
    assertThat(failed.err()).isEqualTo("UNAVAILABLE: the feed went away\n");
  }

  @Test
  void echoPublishesNoTypesSoJsonIsRefusedWithTheWayOut() {
    Run run =
        meshctl(
            "call",
            "echo",
            "any",
            "--json",
            "{}",
            "--management",
            management(router),
            "--node",
            node(router));

    assertThat(run.exitCode()).isEqualTo(11);
    assertThat(run.err()).contains("--text or --file");
  }

  @Test
  void infoGetPrintsTheReplyWithProtoFieldNames() {
    for (String[] method : new String[][] {{"get"}, {}}) {
      String[] args =
          concat(
              new String[] {"call", "info"},
              method,
              new String[] {
                "--json", "{}", "--management", management(router), "--node", node(router)
              });
      Run run = meshctl(args);

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out())
          .contains("\"node\": \"" + address(host) + "\"")
          .contains("\"hosted_services\": [\"conformance\", \"echo\", \"hash\", \"info\", \"kv\"]")
          .contains("\"client_endpoint\": \"" + node(host) + "\"");
    }
  }

  @Test
  void badJsonIsAnInvalidArgumentOnOneLine() {
    Run malformed =
        meshctl(
            "call",
            "kv",
            "put",
            "--json",
            "{\"key\":",
            "--management",
            management(host),
            "--node",
            node(host));
    assertThat(malformed.exitCode()).isEqualTo(2);
    assertThat(malformed.err())
        .startsWith("meshctl: --json does not fit meshwork.services.v1.KvPutRequest (kv put): ")
        .containsOnlyOnce("\n")
        .endsWith("\n");

    Run unknownField =
        meshctl(
            "call",
            "kv",
            "put",
            "--json",
            "{\"kee\":\"k\"}",
            "--management",
            management(host),
            "--node",
            node(host));
    assertThat(unknownField.exitCode()).isEqualTo(2);
    assertThat(unknownField.err()).contains("kee").containsOnlyOnce("\n");
  }

  @Test
  void anUnknownMethodIsABadRequestListingTheMethods() {
    Run run =
        meshctl(
            "call",
            "kv",
            "gett",
            "--json",
            "{}",
            "--management",
            management(host),
            "--node",
            node(host));

    assertThat(run.exitCode()).isEqualTo(11);
    assertThat(run.err())
        .isEqualTo("meshctl: kv has no method \"gett\" (methods: cas, delete, get, keys, put)\n");
  }

  @Test
  void anUnknownServiceIsNotFound() {
    Run run =
        meshctl(
            "call",
            "nope",
            "get",
            "--json",
            "{}",
            "--management",
            management(host),
            "--node",
            node(host));

    assertThat(run.exitCode()).isEqualTo(12);
    assertThat(run.err())
        .startsWith("meshctl: no service \"nope\"")
        .endsWith("(asked http://" + management(host) + ")\n")
        .containsOnlyOnce("\n");
  }

  @Test
  void aRawServiceAndABenchOfAStreamSayWhatMeshctlCannotDo() {
    Run echo =
        meshctl(
            "call",
            "echo",
            "shout",
            "--json",
            "{}",
            "--management",
            management(host),
            "--node",
            node(host));
    assertThat(echo.exitCode()).isEqualTo(11);
    assertThat(echo.err()).contains("echo takes any method with raw bytes", "--text or --file");

    Run bench =
        meshctl(
            "bench",
            "conformance",
            "stream",
            "--json",
            "{\"count\":1}",
            "--duration",
            "1s",
            "--management",
            management(host),
            "--node",
            node(host));
    assertThat(bench.exitCode()).isEqualTo(7);
    assertThat(bench.err())
        .isEqualTo(
            "meshctl: conformance stream streams its reply (kind: stream): bench measures unary calls"
                + " only; follow a stream with meshctl call\n");
  }

  @Test
  void rawCallsKeepTheirOutput() {
    Run run = meshctl("call", "echo", "--node", node(router), "--text", "hello mesh");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEqualTo("OK\n");
    assertThat(run.out()).isEqualTo("hello mesh\n");
  }

  @Test
  void membersShowsBothNodesUpWithTheirServicesAndMarks() {
    Run table = meshctl("members", "--management", management(router));

    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out())
        .startsWith("NODE ")
        .containsPattern(
            "(?m)^" + address(host) + " +Up +yes +conformance,echo,hash,info,kv +- +(leader,)?oldest$")
        .containsPattern("(?m)^" + address(router) + " +Up +yes +- +- +(leader,)?self$")
        .containsOnlyOnce("leader")
        .endsWith("2 members, 2 Up, 0 unreachable, as seen by " + address(router) + "\n");

    Run json = meshctl("members", "--json", "--management", management(router));
    assertThat(json.exitCode()).isZero();
    assertThat(json.out())
        .startsWith("{")
        .contains("\"selfNode\":\"" + address(router) + "\"")
        .endsWith("}\n");
  }

  @Test
  void servicesShowsEveryInstanceAndWhetherListingsSettled() {
    AtomicReference<Run> last = new AtomicReference<>();
    Poll.until(
        Duration.ofSeconds(15),
        "meshctl services lists kv on the host, settled",
        () -> {
          last.set(meshctl("services", "--management", management(router)));
          return last.get().out().contains("listings settled");
        });
    Run table = last.get();

    assertThat(table.exitCode()).isZero();
    assertThat(table.out())
        .containsPattern("^SERVICE +NODE +LOCAL +REACHABLE\n")
        .containsPattern("(?m)^echo +" + address(host) + " +no +yes$")
        .containsPattern("(?m)^kv +" + address(host) + " +no +yes$")
        .endsWith("5 services, as routed by " + address(router) + "; listings settled\n");

    Run json = meshctl("services", "--json", "--management", management(host));
    assertThat(json.out()).startsWith("{").contains("\"listingsSettled\":true", "\"local\":true");
  }

  @Test
  void leaveIsRefusedByANodeWithReadOnlyRoutesAndAnUnknownMemberIsNamed() {
    Run refused = meshctl("leave", address(router), "--management", management(host));
    assertThat(refused.exitCode()).isEqualTo(6);
    assertThat(refused.err())
        .startsWith("meshctl: the management API at http://" + management(host) + " is read-only")
        .contains("HTTP 405", "meshwork.management.allow-mutations = on")
        .containsOnlyOnce("\n");

    Run unknown = meshctl("down", "127.0.0.1:1", "--management", management(router));
    assertThat(unknown.exitCode()).isEqualTo(5);
    assertThat(unknown.err()).startsWith("meshctl: no member \"127.0.0.1:1\" in the cluster");
  }

  @Test
  void benchEchoForTwoSecondsPrintsASummaryWithoutErrors() {
    Run run =
        meshctl(
            "bench",
            "echo",
            "--node",
            node(router),
            "--text",
            "hi",
            "--connections",
            "2",
            "--depth",
            "8",
            "--duration",
            "2s");

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.err()).contains("[  1s] ", "errors: none");
    assertThat(run.out())
        .containsPattern("requests: [1-9][0-9]* in 2\\.[0-9]{2} s")
        .containsPattern("statuses: OK [1-9][0-9]*\n")
        .contains("errors: 0\n", "latency of OK calls: p50 ");
  }

  @Test
  void leaveWithoutOrWithWrongCredentialsIsRefusedWithExitNine(@TempDir Path dir) throws Exception {
    Run none = meshctl("leave", address(host), "--management", management(router));
    assertThat(none.exitCode()).isEqualTo(9);
    assertThat(none.err())
        .startsWith("meshctl: leave " + address(host) + " at http://" + management(router) + ": HTTP 401")
        .contains("--management-user")
        .containsOnlyOnce("\n");

    Path wrong = Files.writeString(dir.resolve("wrong"), "not-the-password\n");
    Run refused =
        meshctl(
            "down", address(host), "--management", management(router),
            "--management-user", "ops", "--management-password-file", wrong.toString());
    assertThat(refused.exitCode()).isEqualTo(9);
    assertThat(refused.err()).contains("HTTP 401", "wrong credentials").doesNotContain("not-the-password");
  }

  /** Last: the router leaves the cluster for good. */
  @Test
  @Order(Integer.MAX_VALUE)
  void leaveThroughANodeThatAllowsItAndTheNodeLeaves(@TempDir Path dir) throws Exception {
    String hostPort = address(router).substring(address(router).indexOf('@') + 1);
    Path password = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
    Run run =
        meshctl(
            "leave", hostPort, "--management", management(router),
            "--management-user", "ops", "--management-password-file", password.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("Leaving " + address(router) + "\n");
    Poll.until(
        Duration.ofSeconds(30),
        "the host sees the router Exiting or Removed",
        () -> {
          String members = meshctl("members", "--management", management(host)).out();
          return members.matches("(?s).*" + address(router) + " +(Exiting|Removed).*")
              || (members.contains(address(host)) && !members.contains(address(router)));
        });
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
