package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.NodeConfig;
import io.meshwork.node.config.NodeSettings;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Who may connect, decided at accept: protected mode and the per-address cap (no sockets). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionAdmissionTest {
  private ActorSystem system;
  private NodeRuntime runtime;

  @BeforeAll
  void start() {
    system = ActorSystem.create("admission", ConfigFactory.parseString("pekko.actor.provider = local"));
    runtime = NodeRuntime.get(system);
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private static ConnectionAdmission admission(NodeRuntime runtime, Map<String, Object> conf, boolean auth) {
    Config config = NodeConfig.load(ConfigFactory.parseMap(new HashMap<>(conf)), false);
    return new ConnectionAdmission(runtime, NodeSettings.fromConfig(config).endpoint(), auth);
  }

  private static InetSocketAddress from(String ip) throws IOException {
    return new InetSocketAddress(InetAddress.getByName(ip), 40_000);
  }

  private static Reply reply(ConnectionAdmission.Decision d) throws IOException {
    ConnectionAdmission.Refusal refusal = (ConnectionAdmission.Refusal) d;
    return Reply.parseDelimitedFrom(refusal.reply().iterator().asInputStream());
  }

  @Test
  void protectedModeServesLoopbackOnlyAndSaysWhyToAnyoneElse() throws IOException {
    ConnectionAdmission a = admission(runtime, Map.of(), false);
    assertThat(a.loopbackOnly()).isTrue();
    ConnectionAdmission.Decision local = a.admit(from("127.0.0.5"));
    assertThat(local).isInstanceOf(ConnectionAdmission.Permit.class);
    ((ConnectionAdmission.Permit) local).release();
    assertThat(a.admit(from("::1"))).isInstanceOf(ConnectionAdmission.Permit.class);
    Reply refused = reply(a.admit(from("10.1.2.3")));
    assertThat(refused.getId()).isZero();
    assertThat(refused.getStatus()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(refused.getError())
        .contains("protected mode", "meshwork.auth.enabled", "MESH_PROTECTED_MODE=off");
  }

  @Test
  void protectedModeIsMootWithAuthenticationOnAndCanBeTurnedOff() throws IOException {
    assertThat(admission(runtime, Map.of(), true).admit(from("10.1.2.3")))
        .isInstanceOf(ConnectionAdmission.Permit.class);
    assertThat(
            admission(runtime, Map.of("meshwork.endpoint.protected-mode", "off"), false)
                .admit(from("10.1.2.4")))
        .isInstanceOf(ConnectionAdmission.Permit.class);
  }

  @Test
  void oneAddressPastItsCapIsRefusedWhileOthersAreServedAndAClosedOneFreesItsPlace()
      throws IOException {
    ConnectionAdmission a =
        admission(runtime, Map.of("meshwork.endpoint.max-connections-per-address", 3), false);
    InetSocketAddress flood = from("127.0.0.9");
    ConnectionAdmission.Permit first = (ConnectionAdmission.Permit) a.admit(flood);
    a.admit(flood);
    a.admit(flood);
    Reply refused = reply(a.admit(flood));
    assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
    assertThat(refused.getError())
        .isEqualTo(
            "the node has 3 client connections open from 127.0.0.9"
                + " (meshwork.endpoint.max-connections-per-address); close some or try later");
    assertThat(a.connectionsFrom(flood.getAddress())).isEqualTo(3);
    assertThat(a.admit(from("127.0.0.1"))).isInstanceOf(ConnectionAdmission.Permit.class);
    first.release();
    first.release(); // once only
    assertThat(a.connectionsFrom(flood.getAddress())).isEqualTo(2);
    assertThat(a.admit(flood)).isInstanceOf(ConnectionAdmission.Permit.class);
  }

  @Test
  void theNodesConnectionCapCountsEveryAddress() throws IOException {
    NodeRuntime own = NodeRuntime.get(system);
    int before = own.connections().get();
    ConnectionAdmission a =
        admission(own, Map.of("meshwork.endpoint.max-connections", before + 2), false);
    ConnectionAdmission.Permit p1 = (ConnectionAdmission.Permit) a.admit(from("127.0.0.2"));
    ConnectionAdmission.Permit p2 = (ConnectionAdmission.Permit) a.admit(from("127.0.0.3"));
    Reply refused = reply(a.admit(from("127.0.0.4")));
    assertThat(refused.getStatus()).isEqualTo(Status.OVERLOADED);
    assertThat(refused.getError()).contains("meshwork.endpoint.max-connections)");
    p1.release();
    p2.release();
    assertThat(own.connections().get()).isEqualTo(before);
  }
}
