package io.meshwork.client.cli;

import java.io.PrintWriter;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code leave} and {@code down} through Pekko Management's member routes: {@code DELETE
 * /cluster/members/{address}} asks a member to leave, {@code PUT} with the form field {@code
 * operation=Down} downs it. Both answer {@code {"message": ...}}; with the node's default {@code
 * meshwork.management.allow-mutations = off} both answer 405, and with it on, 401 without the
 * right credentials and 403 over plain HTTP from another machine.
 */
final class MemberChange {
  enum Operation {
    LEAVE("leave"),
    DOWN("down");

    final String word;

    Operation(String word) {
      this.word = word;
    }
  }

  private MemberChange() {}

  static int run(CommandSpec spec, ManagementApi api, String nodeName, Operation operation) {
    // Resolve the name against the members first: host:port is then enough, and a typo gets the
    // list of members rather than a bare 404.
    ClusterMembers members = MembersCommand.read(api, api.getText("/cluster/members"));
    ClusterMembers.Member member = members.find(nodeName);
    if (member == null) {
      String known =
          members.members().stream()
              .map(ClusterMembers.Member::node)
              .collect(Collectors.joining(", "));
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          "no member \""
              + nodeName
              + "\" in the cluster as "
              + api.base()
              + " sees it (members: "
              + known
              + ")");
    }
    String path = "/cluster/members/" + ManagementApi.segment(member.hostPort());
    ManagementApi.Response response =
        operation == Operation.LEAVE ? api.delete(path) : api.putForm(path, "operation=Down");
    if (response.status() == 405) {
      throw new MeshctlException(
          ExitCodes.READ_ONLY,
          "the management API at "
              + api.base()
              + " is read-only, so "
              + operation.word
              + " was refused (HTTP 405); start the node with meshwork.management.allow-mutations"
              + " = on and credentials (MESH_MANAGEMENT_ALLOW_MUTATIONS=on, MESH_MANAGEMENT_USER,"
              + " MESH_MANAGEMENT_PASSWORD_SHA256) to allow it");
    }
    if (response.status() == 401 || response.status() == 403) {
      String hint =
          response.status() == 403
              ? "; use HTTPS, or ask from the node's own machine"
              : api.hasCredentials()
                  ? ""
                  : "; give them with --management-user and MESHCTL_MANAGEMENT_PASSWORD (or"
                      + " --management-password-file)";
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_UNAUTHORIZED,
          api.failure(operation.word + " " + member.node(), response) + hint);
    }
    if (!response.ok()) {
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR, api.failure(operation.word + " " + member.node(), response));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(ManagementApi.reason(response.body()));
    out.flush();
    return ExitCodes.OK;
  }
}
