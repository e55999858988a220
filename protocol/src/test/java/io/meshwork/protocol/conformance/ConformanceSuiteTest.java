package io.meshwork.protocol.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.conformance.v1.Case;
import io.meshwork.protocol.conformance.v1.ExpectedReply;
import io.meshwork.protocol.conformance.v1.OutRequest;
import io.meshwork.protocol.conformance.v1.Payload;
import io.meshwork.protocol.conformance.v1.Suite;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite file and the runner's pieces that need no node (the cases run in ConformanceTest). */
class ConformanceSuiteTest {
  private static final Path CASES = Path.of("conformance", "cases.json");

  @Test
  void casesJsonLoadsWithUniqueNames() throws Exception {
    Suite suite = ConformanceRunner.load(CASES);
    assertThat(suite.getCasesCount()).isGreaterThanOrEqualTo(40);
  }

  @Test
  void prefixCasesHaveTheBodySizesTheirNamesPromise() throws Exception {
    Suite suite = ConformanceRunner.load(CASES);
    assertThat(firstFrameStart(suite, "echo-largest-one-byte-prefix", 1)).isEqualTo("7f");
    assertThat(firstFrameStart(suite, "echo-smallest-two-byte-prefix", 2)).isEqualTo("8001");
    assertThat(firstFrameStart(suite, "echo-largest-two-byte-prefix", 2)).isEqualTo("ff7f");
    assertThat(firstFrameStart(suite, "echo-smallest-three-byte-prefix", 3)).isEqualTo("808001");
    assertThat(firstFrameStart(suite, "echo-largest-frame", 3)).isEqualTo("808040");
    assertThat(firstFrameStart(suite, "echo-four-byte-non-minimal-prefix", 4)).isEqualTo("8e808000");
  }

  private static String firstFrameStart(Suite suite, String name, int prefixBytes) {
    Case c = suite.getCasesList().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
    OutRequest request = c.getSteps(0).getSend().getFrames(0).getRequest();
    byte[] frame = RequestFrames.request(request);
    return HexFormat.of().formatHex(frame, 0, prefixBytes);
  }

  @Test
  void requestFramesMatchTheReadmesWorkedExample() {
    OutRequest request =
        OutRequest.newBuilder()
            .setId(1)
            .setService("echo")
            .setPayload(Payload.newBuilder().setUtf8("hi"))
            .build();
    assertThat(HexFormat.of().formatHex(RequestFrames.request(request)))
        .isEqualTo("0c080112046563686f22026869");
  }

  @Test
  void nonMinimalPrefixesArePaddedWithContinuationGroups() {
    assertThat(prefix(5, 2)).isEqualTo("8500");
    assertThat(prefix(5, 5)).isEqualTo("8580808000");
    assertThat(prefix(300, 4)).isEqualTo("ac828000");
    assertThatThrownBy(() -> prefix(128, 1))
        .hasMessage("prefix_bytes: 1 (expected: 0, or 2 to 5 for a body of 128 bytes)");
    assertThatThrownBy(() -> prefix(5, 6)).hasMessageStartingWith("prefix_bytes: 6");
  }

  private static String prefix(int length, int bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RequestFrames.writePrefix(out, length, bytes);
    return HexFormat.of().formatHex(out.toByteArray());
  }

  @Test
  void matcherNamesEveryDifference() {
    ExpectedReply expected =
        ExpectedReply.newBuilder()
            .setId(2)
            .setPayload(Payload.newBuilder().setHex(""))
            .setErrorContains("limit")
            .build();
    Reply actual =
        Reply.newBuilder()
            .setId(3)
            .setStatus(Status.BAD_REQUEST)
            .setPayload(ByteString.copyFromUtf8("x"))
            .setError("nope")
            .build();
    assertThat(ReplyMatcher.mismatch(expected, actual))
        .isEqualTo(
            "{id 3, BAD_REQUEST, payload 78 (1 bytes), error \"nope\"}: id 3 (expected 2);"
                + " status BAD_REQUEST (expected OK); payload 78 (1 bytes) (expected (empty));"
                + " error \"nope\" (expected it to contain \"limit\")");
    assertThat(ReplyMatcher.mismatch(ExpectedReply.newBuilder().setId(3).setStatus(Status.BAD_REQUEST).build(), actual))
        .isNull();
  }

  @Test
  void unknownFieldsInTheSuiteAreErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cases.json");
    Files.writeString(file, "{\"cases\": [{\"name\": \"a\", \"steps\": [{\"expect\": {\"replies\": [{\"statuss\": \"OK\"}]}}]}]}");
    assertThatThrownBy(() -> ConformanceRunner.load(file)).hasMessageContaining("statuss");
    Files.writeString(
        file, "{\"cases\": [{\"name\": \"a\", \"steps\": [{\"expect\": {\"replies\": [{\"status\": \"NOT_FOUNDD\"}]}}]}]}");
    assertThatThrownBy(() -> ConformanceRunner.load(file)).hasMessageContaining("NOT_FOUNDD");
  }

  @Test
  void commandLineWithoutNodeIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ConformanceRunner.run(
            new String[] {"--cases", CASES.toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--node host:port is required");
  }
}
