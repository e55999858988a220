package io.meshwork.client.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The answer of {@code GET /cluster/members} (Pekko Management), read into what {@code meshctl
 * members} shows.
 */
record ClusterMembers(
    String selfNode,
    String leader,
    String oldest,
    List<Member> members,
    Map<String, Integer> unreachable) {

  /** Roles with this prefix say which service a node hosts; meshctl shows just the service. */
  static final String SERVICE_ROLE_PREFIX = "meshwork-service-";

  /** Every node has its data centre as a role; the default one says nothing. */
  private static final String DEFAULT_DC_ROLE = "dc-default";

  /** One member: its full address, e.g. {@code pekko://meshwork@127.0.0.1:2551}. */
  record Member(String node, String status, List<String> roles) {
    /** The services it hosts, from its {@code meshwork-service-*} roles, sorted. */
    Set<String> services() {
      Set<String> services = new TreeSet<>();
      roles.stream()
          .filter(r -> r.startsWith(SERVICE_ROLE_PREFIX))
          .forEach(r -> services.add(r.substring(SERVICE_ROLE_PREFIX.length())));
      return services;
    }

    /** Its other roles, without the default data centre, sorted. */
    Set<String> otherRoles() {
      Set<String> others = new TreeSet<>();
      roles.stream()
          .filter(r -> !r.startsWith(SERVICE_ROLE_PREFIX) && !r.equals(DEFAULT_DC_ROLE))
          .forEach(others::add);
      return others;
    }

    /** {@code system@host:port}: how Pekko Management's member routes name it, without slashes. */
    String hostPort() {
      int scheme = node.indexOf("://");
      return scheme < 0 ? node : node.substring(scheme + 3);
    }

    /**
     * True when {@code name} is this member's full address, {@code system@host:port} or {@code
     * host:port}.
     */
    boolean isNamed(String name) {
      return node.equals(name) || hostPort().equals(name) || hostPort().endsWith("@" + name);
    }
  }

  static ClusterMembers fromJson(Struct json) {
    Map<String, Value> fields = json.getFieldsMap();
    List<Member> members = new ArrayList<>();
    for (Value v : list(fields, "members")) {
      Map<String, Value> m = v.getStructValue().getFieldsMap();
      List<String> roles = new ArrayList<>();
      list(m, "roles").forEach(r -> roles.add(r.getStringValue()));
      members.add(new Member(string(m, "node"), string(m, "status"), List.copyOf(roles)));
    }
    members.sort(
        Comparator.comparing((Member m) -> host(m.node())).thenComparingInt(m -> port(m.node())));
    Map<String, Integer> unreachable = new java.util.LinkedHashMap<>();
    for (Value v : list(fields, "unreachable")) {
      Map<String, Value> u = v.getStructValue().getFieldsMap();
      unreachable.put(string(u, "node"), list(u, "observedBy").size());
    }
    return new ClusterMembers(
        string(fields, "selfNode"),
        string(fields, "leader"),
        string(fields, "oldest"),
        List.copyOf(members),
        unreachable);
  }

  /** The member that {@code name} names, if any. */
  Member find(String name) {
    return members.stream().filter(m -> m.isNamed(name)).findFirst().orElse(null);
  }

  /** The table of {@code meshctl members}, with a summary line. */
  String render() {
    Table table = new Table("NODE", "STATUS", "REACHABLE", "SERVICES", "ROLES", "NOTES");
    long up = 0;
    for (Member m : members) {
      if ("Up".equals(m.status())) {
        up++;
      }
      Integer observers = unreachable.get(m.node());
      List<String> notes = new ArrayList<>();
      if (m.node().equals(leader)) {
        notes.add("leader");
      }
      if (m.node().equals(oldest)) {
        notes.add("oldest");
      }
      if (m.node().equals(selfNode)) {
        notes.add("self");
      }
      table.row(
          m.node(),
          m.status(),
          observers == null
              ? "yes"
              : "no (" + observers + " " + (observers == 1 ? "observer" : "observers") + ")",
          String.join(",", m.services()),
          String.join(",", m.otherRoles()),
          String.join(",", notes));
    }
    return table.render()
        + members.size()
        + (members.size() == 1 ? " member, " : " members, ")
        + up
        + " Up, "
        + unreachable.size()
        + " unreachable, as seen by "
        + selfNode
        + "\n";
  }

  private static List<Value> list(Map<String, Value> fields, String key) {
    Value value = fields.get(key);
    return value == null || !value.hasListValue()
        ? List.of()
        : value.getListValue().getValuesList();
  }

  private static String string(Map<String, Value> fields, String key) {
    Value value = fields.get(key);
    return value == null || !value.hasStringValue() ? null : value.getStringValue();
  }

  private static String host(String node) {
    int at = node.lastIndexOf('@');
    int colon = node.lastIndexOf(':');
    return at >= 0 && colon > at ? node.substring(at + 1, colon) : node;
  }

  private static int port(String node) {
    try {
      return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
