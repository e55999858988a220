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
  void helpListsTheExitCodes() {
    assertThat(meshctl("call", "--help")).isZero();
    assertThat(out.toString())
        .contains("Exit codes:", "12 NOT_FOUND", "the node cannot be reached");
  }
}
