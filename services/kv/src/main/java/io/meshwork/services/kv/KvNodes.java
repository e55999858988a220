package io.meshwork.services.kv;

import io.meshwork.service.Call;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/** What one node sees of the kv nodes, and how long it waits for them. */
final class KvNodes {
  private KvNodes() {}

  /** The other kv nodes that are members (Up or WeaklyUp), reachable or not. */
  static List<Address> others(ClusterEvent.CurrentClusterState state, Address self) {
    List<Address> others = new ArrayList<>();
    for (Member member : state.getMembers()) {
      if (member.hasRole(KvReplicator.ROLE)
          && (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp())
          && !member.address().equals(self)) {
        others.add(member.address());
      }
    }
    return others;
  }

  /** How many kv nodes there are and how many of them this node can reach, for error messages. */
  static String reachability(ClusterEvent.CurrentClusterState state) {
    int all = 0;
    int unreachable = 0;
    for (Member member : state.getMembers()) {
      if (member.hasRole(KvReplicator.ROLE)) {
        all++;
        if (state.getUnreachable().contains(member)) {
          unreachable++;
        }
      }
    }
    return (all - unreachable) + " of " + all + " kv nodes reachable";
  }

  /**
   * How long the replicas may take: the call's remaining time less a margin, so that the client
   * hears why (UNAVAILABLE: too few replicas answered) rather than a bare DEADLINE_EXCEEDED.
   */
  static Duration replicaTimeout(Call<?, ?> call) {
    Duration remaining = call.remaining();
    Duration margin = remaining.dividedBy(10);
    if (margin.compareTo(Duration.ofMillis(200)) > 0) {
      margin = Duration.ofMillis(200);
    }
    Duration t = remaining.minus(margin);
    return t.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : t;
  }
}
