package io.meshwork.client.cli;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.client.TestNode;
import io.meshwork.protocol.v1.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class MeshctlTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final ByteArrayOutputStream rawOut = new ByteArrayOutputStream();
  private TestNode node;

  @BeforeEach
  void startNode() throws IOException {
    node = TestNode.startEchoNode();
  }

  @AfterEach
  void stopNode() throws Exception {
    node.close();
  }

  private int meshctl(String... args) {
    CommandLine commandLine = new CommandLine(new Meshctl(rawOut));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  private String nodeAddress() {
    return "127.0.0.1:" + node.port();
  }

  @Test
  void okCallPrintsThePayloadAndExitsZero() {
    int exitCode = meshctl("call", "echo", "--node", nodeAddress(), "--text", "hello");

    assertThat(exitCode).isZero();
    assertThat(out).hasToString("hello\n");
    assertThat(err).hasToString("OK\n");
  }

  @Test
  void notFoundExitsTwelveWithTheStatusLineOnStderr() {
    int exitCode = meshctl("call", "nope", "--node", nodeAddress(), "--text", "hello");

    assertThat(exitCode).isEqualTo(12);
    assertThat(err).hasToString("NOT_FOUND: no service \"nope\" in the cluster\n");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void unreachableNodeExitsThreeWithOneLineOnStderr() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }

    int exitCode = meshctl("call", "echo", "--node", "127.0.0.1:" + port);

    assertThat(exitCode).isEqualTo(3);
    assertThat(err.toString())
        .startsWith("meshctl: cannot connect to 127.0.0.1:" + port + ": ")
        .containsOnlyOnce("\n")
        .endsWith("\n");
  }

  @Test
  void methodDeadlineAndHeadersReachTheNode() throws InterruptedException {
    int exitCode =
        meshctl(
            "call",
            "echo",
            "shout",
            "--node",
            nodeAddress(),
            "--deadline",
            "1500ms",
            "--header",
            "auth=t0ken",
            "--header",
            "trace=abc");

    assertThat(exitCode).isZero();
    Request request = node.received().poll(5, SECONDS);
    assertThat(request.getService()).isEqualTo("echo");
    assertThat(request.getMethod()).isEqualTo("shout");
    assertThat(request.getDeadlineMs()).isEqualTo(1_500);
    assertThat(request.getHeadersMap()).isEqualTo(Map.of("auth", "t0ken", "trace", "abc"));
    assertThat(request.getPayload().isEmpty()).isTrue();
  }

  @Test
  void binaryPayloadFromAFileIsPrintedAsHex(@TempDir Path dir) throws IOException {
    Path file = Files.write(dir.resolve("payload.bin"), new byte[] {0x0a, 0x03, 0x00, (byte) 0xff});

    int exitCode = meshctl("call", "echo", "--node", nodeAddress(), "--file", file.toString());

    assertThat(exitCode).isZero();
    assertThat(out).hasToString("0a 03 00 ff\n");
  }

  @Test
  void rawWritesThePayloadBytesUnchanged() {
    int exitCode =
        meshctl("call", "echo", "--node", nodeAddress(), "--text", "bytes\u0001", "--raw");

    assertThat(exitCode).isZero();
    assertThat(rawOut.toByteArray())
        .isEqualTo("bytes\u0001".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void missingServiceIsAUsageError() {
    assertThat(meshctl("call", "--node", nodeAddress())).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required parameter: 'SERVICE'");
  }

  @Test
  void malformedDeadlineIsAUsageError() {
    assertThat(meshctl("call", "echo", "--deadline", "5")).isEqualTo(2);
    assertThat(err.toString()).contains("Invalid value for option '--deadline': '5'");
  }

  @Test
  void noSubcommandIsAUsageError() {
    assertThat(meshctl()).isEqualTo(2);
  }

  @Test
  void versionIsPrintedByEveryCommand() {
    assertThat(meshctl("--version")).isZero();
    assertThat(meshctl("call", "--version")).isZero();
    assertThat(out.toString()).containsPattern("(?s)meshctl \\S+.*meshctl \\S+");
  }

  @Test
  void aTokenIsSentAsABearerAuthorizationHeaderUnlessOneIsGiven() throws InterruptedException {
    assertThat(meshctl("call", "echo", "--node", nodeAddress(), "--token", "t0k", "--header", "trace=1"))
        .isZero();
    assertThat(node.received().poll(5, SECONDS).getHeadersMap())
        .isEqualTo(Map.of("authorization", "Bearer t0k", "trace", "1"));

    assertThat(
            meshctl(
                "call", "echo", "--node", nodeAddress(), "--token", "t0k", "--header", "authorization=own"))
        .isZero();
    assertThat(node.received().poll(5, SECONDS).getHeadersMap())
        .isEqualTo(Map.of("authorization", "own"));
  }

  @Test
  void authNewTokenPrintsATokenAndItsSha256AndHashTokenAgrees() {
    assertThat(meshctl("auth", "new-token")).isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(2);
    String token = lines[0].replaceFirst("^token: +", "");
    String hash = lines[1].replaceFirst("^token-sha256: +", "");
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(hash).matches("[0-9a-f]{64}");

    out.getBuffer().setLength(0);
    java.io.InputStream stdin = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream((token + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertThat(meshctl("auth", "hash-token")).isZero();
    } finally {
      System.setIn(stdin);
    }
    assertThat(out).hasToString(hash + "\n");
  }

  @Test
  void helpListsTheExitCodes() {
    assertThat(meshctl("call", "--help")).isZero();
    assertThat(out.toString())
        .contains("Exit codes:", "12 NOT_FOUND", "the node cannot be reached");
  }

  @Test
  void everyCommandHasHelpEndingWithEveryExitCode() {
    for (String command :
        new String[] {"call", "bench", "members", "services", "leave", "down", "auth"}) {
      out.getBuffer().setLength(0);

      assertThat(meshctl(command, "--help")).as(command).isZero();
      assertThat(out.toString())
          .as(command)
          .contains(
              "Usage: meshctl " + command, "Exit codes:", "read-only (HTTP 405)", "8   bench");
    }
  }

  @Test
  void jsonAndTextTogetherIsAUsageError() {
    assertThat(meshctl("call", "kv", "put", "--json", "{}", "--text", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("mutually exclusive");
  }

  @Test
  void anUnreachableManagementApiExitsFourWithOneLine() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }

    assertThat(meshctl("members", "--management", "127.0.0.1:" + port)).isEqualTo(4);
    assertThat(err)
        .hasToString(
            "meshctl: cannot reach the management API at http://127.0.0.1:"
                + port
                + ": connection refused (set it with --management HOST:PORT or"
                + " MESHCTL_MANAGEMENT)\n");
  }

  @Test
  void callWithJsonNeedsTheManagementApiToo() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }

    int exitCode =
        meshctl(
            "call",
            "kv",
            "get",
            "--json",
            "{}",
            "--node",
            nodeAddress(),
            "--management",
            "127.0.0.1:" + port);

    assertThat(exitCode).isEqualTo(4);
    assertThat(node.received()).isEmpty();
  }

  @Test
  void benchRejectsZeroConnectionsOnOneLine() {
    assertThat(meshctl("bench", "echo", "--connections", "0")).isEqualTo(2);
    assertThat(err).hasToString("meshctl: --connections: 0 (expected: 1 to 1000)\n");
  }

  @Test
  void benchPrintsProgressAndASummaryWithPercentiles() {
    int exitCode =
        meshctl(
            "bench",
            "echo",
            "--node",
            nodeAddress(),
            "--text",
            "hi",
            "--connections",
            "2",
            "--depth",
            "4",
            "--duration",
            "1500ms");

    assertThat(exitCode).isZero();
    assertThat(err.toString()).startsWith("[  1s] ").contains(" req/s, ", "errors: none");
    assertThat(out.toString())
        .startsWith(
            "bench echo via 127.0.0.1:"
                + node.port()
                + ": 2 connections x depth 4, 1500ms, unlimited rate\n")
        .containsPattern("requests: [1-9][0-9]* in 1\\.[0-9]{2} s \\([0-9]+ req/s\\)\n")
        .containsPattern("statuses: OK [1-9][0-9]*\n")
        .contains("errors: 0\n")
        .containsPattern(
            "latency of OK calls: p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, p99.9 [0-9.]+ ms,"
                + " max [0-9.]+ ms\n");
  }

  @Test
  void benchCountsFailedCallsByStatusAndExitsEight() {
    int exitCode =
        meshctl("bench", "nope", "--node", nodeAddress(), "--duration", "500ms", "--rate", "200");

    assertThat(exitCode).isEqualTo(8);
    assertThat(out.toString())
        .contains("rate 200/s")
        .containsPattern("statuses: NOT_FOUND [1-9][0-9]*\n")
        .doesNotContain("statuses: OK");
  }

  /** The launcher's way: a JVM running Meshctl.main, with MESHCTL_MANAGEMENT in its environment. */
  @Test
  void theManagementAddressComesFromTheEnvironmentAndMainExitsWithTheCode() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Meshctl.class.getName(),
                "services")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("MESHCTL_MANAGEMENT", "127.0.0.1:" + port);
    Process process = builder.start();
    String stderr =
        new String(
            process.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

    assertThat(process.waitFor(30, SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(4);
    assertThat(stderr)
        .startsWith("meshctl: cannot reach the management API at http://127.0.0.1:" + port + ": ");
  }
}
