package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.protocol.conformance.CaseResult;
import io.meshwork.protocol.conformance.ConformanceRunner;
import io.meshwork.protocol.conformance.v1.Case;
import io.meshwork.protocol.conformance.v1.Suite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The protocol conformance suite ({@code protocol/conformance/cases.json}) against a real node
 * hosting {@code echo} and {@code conformance}: one test per case, run by the Java runner over a
 * plain socket, exactly as {@code java -jar protocol/target/meshwork-conformance.jar} runs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceTest {
  private static final Path CASES = Path.of("..", ConformanceRunner.DEFAULT_CASES);

  private final TestNodes nodes = new TestNodes();
  private MeshNode node;

  @BeforeAll
  void startNode() {
    node = nodes.start("echo,conformance", null);
    TestNodes.awaitUp(node);
    // Ready includes the listing settle time, after which an unknown service is NOT_FOUND.
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI ready = URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + "/ready");
    Poll.until(
        Duration.ofSeconds(30),
        "node ready",
        () -> {
          try {
            return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (Exception e) {
            return false;
          }
        });
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  @TestFactory
  Stream<DynamicTest> everyCasePasses() throws Exception {
    Suite suite = ConformanceRunner.load(CASES);
    ConformanceRunner runner = new ConformanceRunner(TestNodes.endpoint(node));
    return suite.getCasesList().stream()
        .map(
            (Case c) ->
                DynamicTest.dynamicTest(
                    c.getName(),
                    () -> {
                      CaseResult result = runner.run(c);
                      assertThat(result.passed()).as(result.line()).isTrue();
                    }));
  }
}
