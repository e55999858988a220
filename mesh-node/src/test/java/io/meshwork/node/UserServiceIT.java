package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's "Your own service, in your own jar" example, done as the README says: its source
 * is taken from README.md, compiled against mesh-node.jar, packaged as a jar of its own, and run
 * in a node started by {@code bin/mesh-node} with {@code MESH_CLASSPATH}; then called over TCP.
 */
class UserServiceIT {
  private static final String MARKER = "<!-- example: GreeterService.java -->";

  @Test
  void theReadmesServiceCompilesIntoItsOwnJarAndServesFromANode() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("```java", readme.indexOf(MARKER)) + "```java".length();
    String source = readme.substring(start, readme.indexOf("```", start)).strip() + "\n";
    assertThat(source).contains("class GreeterService implements MeshService");

    Path work = Files.createTempDirectory("greeter");
    Path src = work.resolve("src/com/example/greeter/GreeterService.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = Files.createDirectories(work.resolve("classes"));
    String nodeJar = new File(System.getProperty("meshwork.node.jar", "target/mesh-node.jar")).getAbsolutePath();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(null, null, null, "-cp", nodeJar, "-d", classes.toString(), src.toString());
    assertThat(status).as("javac exit status").isZero();
    Path jar = work.resolve("greeter.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }

    int port = TestNodes.freePort();
    int managementPort = TestNodes.freePort();
    Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("greeter-node.log");
    ProcessBuilder pb =
        new ProcessBuilder(List.of("bin/mesh-node")).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MESH_NODE_JAR", nodeJar);
    pb.environment().put("MESH_CDS", "off");
    pb.environment().put("MESH_CLASSPATH", jar.toString());
    pb.environment()
        .put(
            "JAVA_OPTS",
            "-Xmx256m -Dmeshwork.service-classes.greeter=com.example.greeter.GreeterService");
    pb.environment().put("MESH_HOST", "127.0.0.1");
    pb.environment().put("MESH_PORT", Integer.toString(port));
    pb.environment().put("MESH_CLUSTER_PORT", Integer.toString(TestNodes.freePort()));
    pb.environment().put("MESH_MANAGEMENT_PORT", Integer.toString(managementPort));
    pb.environment().put("MESH_SERVICES", "greeter");
    Process node = pb.start();
    try {
      InetSocketAddress endpoint = new InetSocketAddress("127.0.0.1", port);
      Poll.until(Duration.ofSeconds(60), "the node with the greeter listens", () -> listens(endpoint));
      try (WireConnection c = new WireConnection(endpoint)) {
        // Until the node has registered its service, calls get UNAVAILABLE (never reaching it).
        Reply[] first = new Reply[1];
        long[] id = {0};
        Poll.until(
            Duration.ofSeconds(30),
            "greeter answers",
            () -> (first[0] = greet(c, ++id[0], "Ada")).getStatus() == Status.OK);
        assertThat(StringValue.parseFrom(first[0].getPayload()).getValue())
            .isEqualTo("Hello, Ada! (greeting #1)");
        Reply second = greet(c, ++id[0], "Grace");
        assertThat(StringValue.parseFrom(second.getPayload()).getValue()).isEqualTo("Hello, Grace! (greeting #2)");
        Reply blank = greet(c, ++id[0], " ");
        assertThat(blank.getStatus()).isEqualTo(Status.BAD_REQUEST);
        assertThat(blank.getError()).contains("someone to greet");
      }
      // The management API starts beside the endpoint; its contract lists the greeter's method.
      HttpClient http = HttpClient.newHttpClient();
      String[] contract = new String[1];
      Poll.until(
          Duration.ofSeconds(30),
          "GET /services/greeter answers",
          () -> {
            try {
              HttpResponse<String> r =
                  http.send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + managementPort + "/services/greeter"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              contract[0] = r.body();
              return r.statusCode() == 200;
            } catch (IOException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          });
      assertThat(contract[0]).contains("\"greet\"").contains("google.protobuf.StringValue");
    } finally {
      node.destroy();
      if (!node.waitFor(20, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Reply greet(WireConnection c, long id, String name) {
    return c.call(
        Request.newBuilder()
            .setId(id)
            .setService("greeter")
            .setMethod("greet")
            .setPayload(StringValue.of(name).toByteString())
            .build());
  }

  private static boolean listens(InetSocketAddress address) {
    try (Socket s = new Socket()) {
      s.connect(address, 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
