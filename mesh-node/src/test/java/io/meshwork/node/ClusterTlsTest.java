package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.meshwork.client.MeshClient;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestCertificates;
import io.meshwork.node.testing.TestCertificates.Authority;
import io.meshwork.node.testing.TestCertificates.Party;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * {@code meshwork.cluster-tls}: Artery over TLS with mutual authentication. Two nodes with
 * certificates of one CA form a cluster and forward calls (PEM files, and PKCS12 stores); a node
 * whose certificate another CA signed never joins them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTlsTest {
  private final TestCertificates certs = new TestCertificates();
  private final TestNodes nodes = new TestNodes();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Authority ca;
  private MeshNode host;
  private MeshNode router;

  @BeforeAll
  void startCluster() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    ca = certs.authority("cluster");
    host = nodes.start("echo", null, clusterTls(certs.node(ca, "host"), ca));
    router = nodes.start("none", host, clusterTls(certs.node(ca, "router"), ca));
    TestNodes.awaitUp(host, router);
  }

  @AfterAll
  void stopCluster() {
    nodes.close();
    certs.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  private static Map<String, Object> clusterTls(Party node, Authority authority) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.cluster-tls.enabled", true);
    conf.put("meshwork.cluster-tls.cert-file", node.cert().toString());
    conf.put("meshwork.cluster-tls.key-file", node.key().toString());
    conf.put("meshwork.cluster-tls.ca-file", authority.cert().toString());
    return conf;
  }

  @Test
  void nodesWithCertificatesOfTheClusterCaFormAClusterOverTlsAndForwardCalls() throws Exception {
    assertThat(host.system().settings().config().getString("pekko.remote.artery.transport"))
        .isEqualTo("tls-tcp");
    InetSocketAddress address = TestNodes.endpoint(router);
    try (MeshClient client = MeshClient.connect(address.getHostString(), address.getPort())) {
      Poll.until(
          Duration.ofSeconds(15),
          "the router forwards echo to the host",
          () -> {
            Reply r = client.call("echo", "", ByteString.copyFromUtf8("over tls")).join();
            return r.getStatus() == Status.OK && r.getPayload().toStringUtf8().equals("over tls");
          });
    }
  }

  @Test
  void aNodeWithACertificateOfAnotherCaNeverJoins() {
    TestProbe<ClusterEvent.MemberUp> ups = TestProbe.create(host.system());
    Cluster.get(host.system())
        .subscriptions()
        .tell(Subscribe.create(ups.getRef(), ClusterEvent.MemberUp.class));
    Authority otherCa = certs.authority("other");
    MeshNode stranger = nodes.start("echo", host, clusterTls(certs.node(otherCa, "stranger"), otherCa));
    try {
      // Its handshakes fail: the host logs why, and never sees it as a member at all.
      Poll.until(
          Duration.ofSeconds(15),
          "a failed TLS handshake is logged",
          () -> {
            synchronized (logs) { // the appender appends under its own lock
              return logs.list.stream().anyMatch(ClusterTlsTest::isHandshakeFailure);
            }
          });
      // The subscription replays the members that are Up as MemberUp: the host and the router,
      // the only ones that can ever be Up. Then none more.
      assertThat(ups.receiveSeveralMessages(2, Duration.ofSeconds(10)))
          .extracting(up -> up.member().address())
          .containsExactlyInAnyOrder(
              Cluster.get(host.system()).selfMember().address(),
              Cluster.get(router.system()).selfMember().address());
      ups.expectNoMessage(Duration.ofSeconds(5));
      List<Member> members = new java.util.ArrayList<>();
      Cluster.get(host.system()).state().getMembers().forEach(members::add);
      assertThat(members)
          .extracting(m -> m.address().toString())
          .doesNotContain(stranger.system().address().toString());
      assertThat(Cluster.get(stranger.system()).selfMember().status())
          .isNotEqualTo(MemberStatus.up());
    } finally {
      nodes.stop(stranger);
    }
  }

  @Test
  void nodesWithPkcs12StoresFormAClusterToo() {
    Party one = certs.node(ca, "p12-one");
    Party two = certs.node(ca, "p12-two");
    MeshNode first = nodes.start("echo", null, pkcs12ClusterTls(one));
    MeshNode second = nodes.start("none", first, pkcs12ClusterTls(two));
    try {
      assertThat(first.system().settings().config().getString("pekko.remote.artery.ssl.ssl-engine-provider"))
          .endsWith("ConfigSSLEngineProvider");
      TestNodes.awaitUp(first, second);
    } finally {
      nodes.stop(second);
      nodes.stop(first);
    }
  }

  private Map<String, Object> pkcs12ClusterTls(Party node) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.cluster-tls.enabled", true);
    conf.put("meshwork.cluster-tls.key-store", node.pkcs12().toString());
    conf.put("meshwork.cluster-tls.key-store-password", TestCertificates.PASSWORD);
    conf.put("meshwork.cluster-tls.trust-store", ca.trustStore().toString());
    conf.put("meshwork.cluster-tls.trust-store-password", TestCertificates.PASSWORD);
    return conf;
  }

  private static boolean isHandshakeFailure(ILoggingEvent e) {
    String text =
        e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()
                + " " + e.getThrowableProxy().getClassName());
    return text.contains("SSLHandshakeException") || text.contains("PKIX") || text.contains("certificate");
  }
}
