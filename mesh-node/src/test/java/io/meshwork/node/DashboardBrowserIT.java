package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshwork.node.testing.HeadlessChromium;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.StubMetricsFront;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dashboard ({@code GET /dashboard}) in headless Chromium against three in-JVM nodes, with
 * calls flowing: the page, after its scripts polled for a while, lists the three members Up and
 * every service with the nodes it runs on, and says whether metrics are there. A screenshot is
 * saved as {@code mesh-node/target/dashboard.png}.
 *
 * <p>Needs Debian's {@code chromium} ({@code .ci/run} installs it); skipped without it, except
 * under CI ({@code CI=true}), where a missing browser fails the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIT {
  private static final Path TARGET = Path.of("target");
  private static final Path SCREENSHOT = TARGET.resolve("dashboard.png");
  private static final Duration BUDGET = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final TestNodes nodes = new TestNodes();
  private final ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong ids = new AtomicLong();
  private HeadlessChromium chromium;
  private MeshNode a;
  private MeshNode b;
  private MeshNode c;
  private WireConnection calls;

  @BeforeAll
  void startClusterWithTraffic() {
    chromium = HeadlessChromium.find(TARGET.resolve("it-logs"));
    if (chromium == null && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("DashboardBrowserIT: no chromium on the PATH under CI (.ci/run installs it)");
    }
    Assumptions.assumeTrue(
        chromium != null,
        "DashboardBrowserIT skipped: no chromium on the PATH (apt-get install chromium, or -Dmeshwork.chromium=...)");
    a = nodes.start("echo,info", null);
    b = nodes.start("echo,hash", a);
    c = nodes.start("none", a);
    TestNodes.awaitUp(a, b, c);
    Poll.until(
        Duration.ofSeconds(20),
        "node a's /services lists echo on a and b, info and hash",
        () -> {
          String services = get(a, "/services").body();
          return services.contains("\"listingsSettled\":true")
              && services.contains("\"name\":\"hash\"")
              && services.contains("\"name\":\"info\"")
              && countOf(services, "\"node\":") == 4;
        });
    // Calls at node a through the whole test, so that its request rates are not zero.
    calls = new WireConnection(TestNodes.endpoint(a));
    for (int i = 0; i < 50; i++) {
      assertThat(calls.call(echo()).getStatus()).isEqualTo(Status.OK);
    }
    load.scheduleAtFixedRate(() -> calls.call(echo()), 0, 10, TimeUnit.MILLISECONDS);
  }

  @AfterAll
  void stopCluster() throws InterruptedException {
    load.shutdownNow();
    if (calls != null) {
      calls.close(); // unblocks a call in progress
    }
    load.awaitTermination(10, TimeUnit.SECONDS);
    nodes.close();
  }

  @Test
  void theDashboardListsTheMembersUpAndEveryServiceWithItsNodes() {
    String dom = chromium.dumpDom(dashboardUrl(a), BUDGET);
    writeArtifact("dashboard-dom.html", dom);

    assertThat(memberStatuses(dom))
        .as("member rows (node -> status) in the dumped DOM")
        .containsEntry(address(a), "Up")
        .containsEntry(address(b), "Up")
        .containsEntry(address(c), "Up")
        .hasSize(3);
    assertThat(instanceNodes(dom, "echo")).containsExactlyInAnyOrder(address(a), address(b));
    assertThat(instanceNodes(dom, "info")).containsExactly(address(a));
    assertThat(instanceNodes(dom, "hash")).containsExactly(address(b));
    assertThat(dom).contains("live ·").doesNotContain("page error");

    if (get(a, "/metrics").statusCode() == 404) {
      // Before the metrics route exists the page says so, and still shows the rest.
      assertThat(dom).contains("metrics unavailable (GET /metrics answered 404)");
    } else {
      assertThat(cell(serviceRow(dom, "echo"), "num rate")).matches("[0-9][0-9,]*(\\.[0-9])?");
    }
  }

  @Test
  void withMetricsThePageShowsRatesErrorsAndP99PerServiceAndChartsThem() {
    try (StubMetricsFront front = new StubMetricsFront(TestNodes.managementPort(a))) {
      String dom = chromium.dumpDom("http://127.0.0.1:" + front.port() + "/dashboard", BUDGET);
      writeArtifact("dashboard-metrics-dom.html", dom);

      String echo = serviceRow(dom, "echo");
      assertThat(number(cell(echo, "num rate"))).as("echo req/s").isGreaterThan(0);
      assertThat(number(cell(echo, "num errors"))).as("echo errors/s (OVERLOADED)").isGreaterThan(0);
      String p99 = cell(echo, "num p99");
      assertThat(p99).endsWith(" ms");
      assertThat(number(p99)).as("echo p99 in ms").isBetween(9.9, 10.1);
      assertThat(cell(serviceRow(dom, "info"), "num p99")).endsWith(" µs");
      assertThat(cell(serviceRow(dom, "hash"), "num rate")).as("no metrics for hash").isEqualTo("—");
      assertThat(dom)
          .contains("requests served through this node")
          .containsPattern("<polyline points=\"[0-9.,]+ [0-9.,]+[^\"]*\" class=\"line series-[0-7]\">")
          .containsPattern("<div class=\"value\" id=\"in-flight\">3</div>")
          .containsPattern("<div class=\"value\" id=\"connections\">7</div>");
      assertThat(instanceNodes(dom, "echo")).containsExactlyInAnyOrder(address(a), address(b));
    }
  }

  @Test
  void aScreenshotOfTheDashboardIsSavedAsABuildArtifact() throws IOException {
    Files.deleteIfExists(SCREENSHOT);
    // Through the metrics stub, with a minute of polls: the chart has lines to show.
    try (StubMetricsFront front = new StubMetricsFront(TestNodes.managementPort(a))) {
      chromium.screenshot(
          "http://127.0.0.1:" + front.port() + "/dashboard", SCREENSHOT, 1280, 900, Duration.ofSeconds(60));
    }
    byte[] png = Files.readAllBytes(SCREENSHOT);
    assertThat(png).as("a PNG").startsWith(new byte[] {(byte) 0x89, (byte) 0x50, (byte) 0x4e, (byte) 0x47});
    assertThat(png.length).isGreaterThan(10_000);
    System.out.println("DashboardBrowserIT: screenshot at " + SCREENSHOT.toAbsolutePath());
  }

  private Request echo() {
    return WireConnection.echo(ids.incrementAndGet(), ByteString.copyFromUtf8("dashboard"));
  }

  private static String dashboardUrl(MeshNode node) {
    return "http://127.0.0.1:" + TestNodes.managementPort(node) + "/dashboard";
  }

  private static String address(MeshNode node) {
    return node.system().address().toString();
  }

  /** node -> status of every {@code <tr class="member" data-node=... data-status=...>}. */
  private static Map<String, String> memberStatuses(String dom) {
    Map<String, String> statuses = new HashMap<>();
    Matcher m = Pattern.compile("<tr class=\"member\" data-node=\"([^\"]*)\" data-status=\"([^\"]*)\">").matcher(dom);
    while (m.find()) {
      statuses.put(m.group(1), m.group(2));
    }
    return statuses;
  }

  private static String serviceRow(String dom, String service) {
    Matcher m =
        Pattern.compile("<tr class=\"service\" data-service=\"" + Pattern.quote(service) + "\">(.*?)</tr>", Pattern.DOTALL)
            .matcher(dom);
    assertThat(m.find()).as("a row for service " + service).isTrue();
    return m.group(1);
  }

  private static List<String> instanceNodes(String dom, String service) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("<span class=\"instance[^\"]*\" data-node=\"([^\"]*)\"").matcher(serviceRow(dom, service));
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static String cell(String row, String cls) {
    Matcher m = Pattern.compile("<td class=\"" + Pattern.quote(cls) + "[^\"]*\">([^<]*)</td>").matcher(row);
    assertThat(m.find()).as("a " + cls + " cell in " + row).isTrue();
    return m.group(1);
  }

  /** The number at the start of a cell, "1,234.5 ms" -> 1234.5. */
  private static double number(String text) {
    Matcher m = Pattern.compile("^[0-9][0-9,]*(\\.[0-9]+)?").matcher(text);
    assertThat(m.find()).as("a number in \"" + text + "\"").isTrue();
    return Double.parseDouble(m.group().replace(",", ""));
  }

  private static int countOf(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private HttpResponse<String> get(MeshNode node, String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void writeArtifact(String name, String content) {
    try {
      Files.writeString(TARGET.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
