package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceListingTest {
  @Test
  void everyInstanceIsARowAndTheSummarySaysWhetherListingsSettled() throws Exception {
    String json =
        "{\"selfNode\":\"pekko://meshwork@127.0.0.1:2553\",\"listingsSettled\":false,\"services\":["
            + "{\"name\":\"echo\",\"instances\":["
            + "{\"node\":\"pekko://meshwork@127.0.0.1:2551\",\"local\":false,\"reachable\":true},"
            + "{\"node\":\"pekko://meshwork@127.0.0.1:2553\",\"local\":true,\"reachable\":true}]},"
            + "{\"name\":\"kv\",\"instances\":["
            + "{\"node\":\"pekko://meshwork@127.0.0.1:2552\",\"local\":false,\"reachable\":false}]}]}";

    String table = ServiceListing.fromJson(ManagementApi.parseStruct(json)).render();

    assertThat(table)
        .isEqualTo(
            "SERVICE  NODE                             LOCAL  REACHABLE\n"
                + "echo     pekko://meshwork@127.0.0.1:2551  no     yes\n"
                + "echo     pekko://meshwork@127.0.0.1:2553  yes    yes\n"
                + "kv       pekko://meshwork@127.0.0.1:2552  no     no\n"
                + "2 services, as routed by pekko://meshwork@127.0.0.1:2553; listings not settled"
                + " yet: the node is still learning the cluster's services\n");
  }
}
