package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterMembersTest {
  /** The shape of Pekko Management's GET /cluster/members. */
  private static final String JSON =
      "{\"selfNode\":\"pekko://meshwork@127.0.0.1:2553\","
          + "\"leader\":\"pekko://meshwork@127.0.0.1:2551\","
          + "\"oldest\":\"pekko://meshwork@127.0.0.1:2551\",\"oldestPerRole\":{},\"members\":["
          + "{\"node\":\"pekko://meshwork@127.0.0.1:2553\",\"nodeUid\":\"3\",\"status\":\"Up\",\"roles\":[\"dc-default\"]},"
          + "{\"node\":\"pekko://meshwork@127.0.0.1:2551\",\"nodeUid\":\"1\",\"status\":\"Up\","
          + "\"roles\":[\"meshwork-service-info\",\"dc-default\",\"meshwork-service-echo\"]},"
          + "{\"node\":\"pekko://meshwork@127.0.0.1:12552\",\"nodeUid\":\"2\",\"status\":\"Leaving\","
          + "\"roles\":[\"dc-east\",\"frontend\",\"meshwork-service-kv\"]}],"
          + "\"unreachable\":[{\"node\":\"pekko://meshwork@127.0.0.1:12552\","
          + "\"observedBy\":[\"pekko://meshwork@127.0.0.1:2551\",\"pekko://meshwork@127.0.0.1:2553\"]}]}";

  @Test
  void theTableShowsServicesOtherRolesReachabilityAndMarksSortedByAddress() throws Exception {
    String table = ClusterMembers.fromJson(ManagementApi.parseStruct(JSON)).render();

    assertThat(table)
        .isEqualTo(
            "NODE                              STATUS   REACHABLE         SERVICES   ROLES         "
                + "    NOTES\n"
                + "pekko://meshwork@127.0.0.1:2551   Up       yes               echo,info  -       "
                + "          leader,oldest\n"
                + "pekko://meshwork@127.0.0.1:2553   Up       yes               -          -       "
                + "          self\n"
                + "pekko://meshwork@127.0.0.1:12552  Leaving  no (2 observers)  kv        "
                + " dc-east,frontend  -\n"
                + "3 members, 2 Up, 1 unreachable, as seen by pekko://meshwork@127.0.0.1:2553\n");
  }

  @Test
  void aMemberIsFoundByAddressBySystemAndHostPortOrByHostPort() throws Exception {
    ClusterMembers members = ClusterMembers.fromJson(ManagementApi.parseStruct(JSON));

    assertThat(members.find("pekko://meshwork@127.0.0.1:2551").hostPort())
        .isEqualTo("meshwork@127.0.0.1:2551");
    assertThat(members.find("meshwork@127.0.0.1:2551").node())
        .isEqualTo("pekko://meshwork@127.0.0.1:2551");
    assertThat(members.find("127.0.0.1:2551").node()).isEqualTo("pekko://meshwork@127.0.0.1:2551");
    assertThat(members.find("127.0.0.1:2552")).isNull();
  }
}
