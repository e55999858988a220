package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API's exposure, over real HTTP: {@code plain} runs with the defaults (loopback,
 * read-only); {@code guarded} allows the mutating routes with credentials and listens on every
 * address, so that a request from a non-loopback address can be tried; {@code leaver} is the member
 * it makes leave; {@code secure} serves HTTPS from a key store made by keytool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagementSecurityTest {
  private static final String USER = "ops";
  private static final String PASSWORD = "correct-horse-9d3f1b7a";
  private static final String STORE_PASSWORD = "store-pass-1";

  private final TestNodes nodes = new TestNodes();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private MeshNode plain;
  private MeshNode guarded;
  private MeshNode leaver;
  private MeshNode secure;
  private SSLContext trustSecure;
  /** An IPv4 address of this machine other than loopback, if it has one. */
  private final Optional<InetAddress> external = externalAddress();

  private static Map<String, Object> mutations(String host) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.management.host", host);
    conf.put("meshwork.management.allow-mutations", true);
    conf.put("meshwork.management.user", USER);
    conf.put("meshwork.management.password-sha256", AuthTest.sha256(PASSWORD));
    return conf;
  }

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Path store = keyStore(dir);
    plain = nodes.start("none", null);
    guarded = nodes.start("echo", plain, mutations("0.0.0.0"));
    leaver = nodes.start("none", plain);
    Map<String, Object> https = mutations("0.0.0.0");
    https.put("meshwork.management.https.key-store", store.toString());
    https.put("meshwork.management.https.key-store-password", STORE_PASSWORD);
    secure = nodes.start("none", plain, https);
    TestNodes.awaitUp(plain, guarded, leaver, secure);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, STORE_PASSWORD.toCharArray());
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("management", keys.getCertificate("management"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    trustSecure = SSLContext.getInstance("TLS");
    trustSecure.init(null, tmf.getTrustManagers(), null);
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  /** A self-signed certificate for 127.0.0.1 and the external address, from the JDK's keytool. */
  private Path keyStore(Path dir) throws Exception {
    Path store = dir.resolve("management.p12");
    String san = "ip:127.0.0.1" + external.map(a -> ",ip:" + a.getHostAddress()).orElse("");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "management", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=meshwork-test", "-ext", "SAN=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();
    return store;
  }

  private static Optional<InetAddress> externalAddress() {
    try {
      List<NetworkInterface> interfaces = NetworkInterface.networkInterfaces().toList();
      for (NetworkInterface ni : interfaces) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress a : ni.inetAddresses().toList()) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return Optional.of(a);
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to list: treated as none
    }
    return Optional.empty();
  }

  private void assumeExternal() {
    Assumptions.assumeTrue(
        external.isPresent(),
        "skipped: this machine has no non-loopback IPv4 address to connect from");
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The member's address as Pekko Management's member routes take it: system@host:port. */
  private static String hostPort(MeshNode node) {
    return "meshwork@127.0.0.1:" + TestNodes.clusterPort(node);
  }

  private HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** DELETE /cluster/members/{member}: "leave", at {@code base}, with an optional Authorization. */
  private HttpResponse<String> leave(String base, MeshNode member, String authorization)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(base + "/cluster/members/" + hostPort(member)))
            .timeout(Duration.ofSeconds(10))
            .DELETE();
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return send(http, r.build());
  }

  private static String loopbackBase(MeshNode node) {
    return "http://127.0.0.1:" + TestNodes.managementPort(node);
  }

  @Test
  void byDefaultTheManagementApiListensOnLoopbackOnly() throws Exception {
    assertThat(plain.system().settings().config().getString("pekko.management.http.bind-hostname"))
        .isEqualTo("127.0.0.1");
    assertThat(send(http, HttpRequest.newBuilder(URI.create(loopbackBase(plain) + "/alive")).build()).statusCode())
        .isEqualTo(200);
    assumeExternal();
    try (Socket s = new Socket()) {
      assertThatThrownBy(
              () ->
                  s.connect(
                      new InetSocketAddress(external.get(), TestNodes.managementPort(plain)), 5_000))
          .as("connecting to %s", external.get())
          .isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void byDefaultTheMutatingRoutesAnswer405EvenWithCredentials() throws Exception {
    assertThat(leave(loopbackBase(plain), leaver, basic(USER, PASSWORD)).statusCode()).isEqualTo(405);
  }

  @Test
  void withMutationsAllowedTheReadRoutesStillNeedNoCredentials() throws Exception {
    HttpResponse<String> members =
        send(http, HttpRequest.newBuilder(URI.create(loopbackBase(guarded) + "/cluster/members")).build());
    assertThat(members.statusCode()).isEqualTo(200);
    assertThat(members.body()).contains("\"status\":\"Up\"");
    assertThat(send(http, HttpRequest.newBuilder(URI.create(loopbackBase(guarded) + "/ready")).build()).statusCode())
        .isEqualTo(200);
    assertThat(send(http, HttpRequest.newBuilder(URI.create(loopbackBase(guarded) + "/services")).build()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aMutationWithoutCredentialsIs401WithABasicChallenge() throws Exception {
    HttpResponse<String> response = leave(loopbackBase(guarded), leaver, null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(response.body()).contains("credentials required");
  }

  @Test
  void aMutationWithWrongCredentialsIs401() throws Exception {
    for (String authorization :
        List.of(basic(USER, PASSWORD + "x"), basic("root", PASSWORD), basic(USER, ""), "Bearer " + PASSWORD)) {
      HttpResponse<String> response = leave(loopbackBase(guarded), leaver, authorization);
      assertThat(response.statusCode()).as(authorization).isEqualTo(401);
      assertThat(response.body()).doesNotContain(PASSWORD);
    }
    assertThat(Cluster.get(leaver.system()).selfMember().status()).isEqualTo(MemberStatus.up());
  }

  @Test
  void aMutationFromANonLoopbackAddressOverPlainHttpIs403EvenWithTheRightCredentials()
      throws Exception {
    assumeExternal();
    String base = "http://" + external.get().getHostAddress() + ":" + TestNodes.managementPort(guarded);
    HttpResponse<String> response = leave(base, leaver, basic(USER, PASSWORD));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("only over HTTPS", "or from a loopback address");
    // Reading from there is fine.
    assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/alive")).build()).statusCode())
        .isEqualTo(200);
    assertThat(Cluster.get(leaver.system()).selfMember().status()).isEqualTo(MemberStatus.up());
  }

  @Test
  void overHttpsCredentialsAreCheckedFromAnyAddress() throws Exception {
    HttpClient tls =
        HttpClient.newBuilder().sslContext(trustSecure).connectTimeout(Duration.ofSeconds(5)).build();
    List<String> hosts = new ArrayList<>(List.of("127.0.0.1"));
    external.ifPresent(a -> hosts.add(a.getHostAddress()));
    for (String host : hosts) {
      String base = "https://" + host + ":" + TestNodes.managementPort(secure);
      assertThat(send(tls, HttpRequest.newBuilder(URI.create(base + "/alive")).build()).statusCode())
          .isEqualTo(200);
      HttpRequest wrong =
          HttpRequest.newBuilder(URI.create(base + "/cluster/members/" + hostPort(leaver)))
              .header("Authorization", basic(USER, "nope"))
              .DELETE()
              .build();
      assertThat(send(tls, wrong).statusCode()).as(host).isEqualTo(401); // checked, not refused
    }
    // Plain HTTP to the HTTPS port gets no answer.
    assertThatThrownBy(
            () ->
                send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + TestNodes.managementPort(secure) + "/alive")).build()))
        .isInstanceOf(IOException.class);
  }

  /** Last: the leaver leaves for good. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aMutationWithTheRightCredentialsFromLoopbackIsCarriedOut() throws Exception {
    HttpResponse<String> response = leave(loopbackBase(guarded), leaver, basic(USER, PASSWORD));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("Leaving");
    Poll.until(
        Duration.ofSeconds(30),
        "the leaver has left and stopped",
        () -> leaver.whenTerminated().toCompletableFuture().isDone());
  }
}
