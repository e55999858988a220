package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.node.testing.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code GET /dashboard} and its files over real HTTP, and what the files may not contain. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardRoutesTest {
  private static final List<String> FILES = List.of("index.html", "dashboard.js", "metrics.js", "dashboard.css");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final TestNodes nodes = new TestNodes();
  private MeshNode node;

  @BeforeAll
  void startNode() {
    node = nodes.start("echo", null);
    TestNodes.awaitUp(node);
  }

  @AfterAll
  void stopNode() {
    nodes.close();
  }

  @Test
  void thePageIsHtmlWithAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = get("/dashboard");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=UTF-8");
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(
            csp ->
                assertThat(csp)
                    .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*"));
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.body()).contains("<title>Meshwork dashboard</title>", "src=\"dashboard/dashboard.js\"");
  }

  @Test
  void theScriptsAndStyleSheetAreServedWithTheirTypes() throws Exception {
    for (String js : List.of("dashboard.js", "metrics.js")) {
      HttpResponse<String> script = get("/dashboard/" + js);
      assertThat(script.statusCode()).as(js).isEqualTo(200);
      assertThat(script.headers().firstValue("Content-Type")).hasValue("application/javascript; charset=UTF-8");
      assertThat(script.headers().firstValue("Content-Security-Policy")).isPresent();
    }
    HttpResponse<String> css = get("/dashboard/dashboard.css");
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=UTF-8");
  }

  @Test
  void anUnknownFileIsA404AndATrailingSlashRedirectsToThePage() throws Exception {
    assertThat(get("/dashboard/nope.js").statusCode()).isEqualTo(404);
    HttpResponse<String> slash = get("/dashboard/");
    assertThat(slash.statusCode()).isEqualTo(301);
    assertThat(slash.headers().firstValue("Location")).hasValue("../dashboard");
  }

  @Test
  void theDashboardIsReadOnly() throws Exception {
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(uri("/dashboard")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void theFilesLoadNothingFromElsewhereAndNeverInsertMarkup() throws IOException {
    for (String file : FILES) {
      // The SVG namespace is a name, not a fetch.
      String text = resource(file).replace("'http://www.w3.org/2000/svg'", "");
      // Works offline and under the CSP: no CDN, no other origin.
      assertThat(text).as(file).doesNotContainPattern("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/");
      // Strings from the cluster become text nodes; nothing parses them as HTML.
      assertThat(text).as(file).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
    }
    // No inline script (the CSP would block it) and no inline style attribute.
    assertThat(resource("index.html")).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("style=");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = DashboardRoutesTest.class.getClassLoader().getResourceAsStream("meshwork/dashboard/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + TestNodes.managementPort(node) + path);
  }
}
