package io.meshwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LoadEngineTest {
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  @Test
  void closedLoopAgainstTheNioServerCompletesWithoutErrors() throws IOException {
    try (NioEchoServer server = NioEchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      LoadSettings settings =
          LoadSettings.closedLoop(
              "127.0.0.1", server.localAddress().getPort(), 4, 8, 64, Duration.ofSeconds(1));

      LoadResult result = run(settings);

      assertThat(result.errors()).as(logText()).isZero();
      assertThat(result.completed()).isPositive();
      assertThat(result.latencyMicros().getTotalCount()).isEqualTo(result.completed());
      assertThat(result.ok()).isTrue();
      assertThat(result.resultLine()).startsWith("RESULT rps=").contains(" errors=0 ");
    }
  }

  @Test
  void openLoopSendsAtTheScheduledRate() throws IOException {
    try (NioEchoServer server = NioEchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      LoadSettings settings =
          LoadSettings.closedLoop(
                  "127.0.0.1", server.localAddress().getPort(), 20, 1, 16, Duration.ofSeconds(1))
              .withRatePerConnection(50);

      LoadResult result = run(settings);

      assertThat(result.errors()).as(logText()).isZero();
      assertThat(result.requestsPerSecond()).isBetween(800.0, 1200.0); // 20 x 50 per second
    }
  }

  @Test
  void countsWrongPayloadsAsErrors() throws IOException {
    try (ScriptedServer server =
        ScriptedServer.echoWith(echo -> echo.setPayload(ByteString.copyFromUtf8("not yours")))) {
      LoadResult result = run(shortRun(server));

      assertThat(result.errors()).isPositive();
      assertThat(result.completed()).isZero();
      assertThat(result.ok()).isFalse();
      assertThat(logText()).contains("payload of 9 bytes differs from the 64 bytes sent");
    }
  }

  @Test
  void countsStatusesOtherThanOkAsErrors() throws IOException {
    try (ScriptedServer server =
        ScriptedServer.echoWith(echo -> echo.setStatus(Status.INTERNAL).setError("boom"))) {
      LoadResult result = run(shortRun(server));

      assertThat(result.errors()).isPositive();
      assertThat(result.completed()).isZero();
      assertThat(logText()).contains("status INTERNAL (\"boom\")");
    }
  }

  @Test
  void countsRepliesForIdsNotInFlightAndRequestsLeftUnanswered() throws IOException {
    try (ScriptedServer server = ScriptedServer.echoWith(echo -> echo.setId(echo.getId() + 1000))) {
      LoadResult result = run(shortRun(server));

      assertThat(result.errors())
          .isGreaterThanOrEqualTo(2); // the wrong replies, then the lost ones
      assertThat(logText())
          .contains("no request with this id is in flight")
          .contains("got no reply within");
    }
  }

  @Test
  void failsToStartWhenNothingListens() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    LoadSettings settings =
        LoadSettings.closedLoop("127.0.0.1", port, 2, 1, 64, Duration.ofMillis(100));

    assertThatThrownBy(() -> run(settings))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("failed");
  }

  private static LoadSettings shortRun(ScriptedServer server) {
    return LoadSettings.closedLoop("127.0.0.1", server.port(), 2, 4, 64, Duration.ofMillis(300))
        .withDrainTimeout(Duration.ofMillis(300));
  }

  private LoadResult run(LoadSettings settings) throws IOException {
    return LoadEngine.run(settings, new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  private String logText() {
    return log.toString(StandardCharsets.UTF_8);
  }
}
