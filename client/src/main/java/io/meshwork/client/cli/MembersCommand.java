package io.meshwork.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshctl members}: the cluster's members, from {@code GET /cluster/members}. */
@Command(
    name = "members",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Lists the cluster's members as the node at --management sees them: address, status,"
          + " reachability, the services each hosts (its meshwork-service-* roles), other roles,"
          + " and which is the leader, the oldest and the node asked (self).",
      "--json prints the management API's own JSON (GET /cluster/members) unchanged."
    })
final class MembersCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private ManagementOption management;

  @Option(names = "--json", description = "Print the management API's JSON instead of a table.")
  private boolean json;

  @Mixin private ExitCodeHelp exitCodeHelp;

  @Override
  public Integer call() throws Exception {
    return CommandRunner.run(spec, this::run);
  }

  private int run() {
    ManagementApi api = management.api();
    String body = api.getText("/cluster/members");
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(body.strip());
    } else {
      out.print(read(api, body).render());
    }
    out.flush();
    return ExitCodes.OK;
  }

  static ClusterMembers read(ManagementApi api, String body) {
    try {
      return ClusterMembers.fromJson(api.parse(body, "GET /cluster/members"));
    } catch (RuntimeException e) {
      if (e instanceof MeshctlException) {
        throw e;
      }
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          "GET /cluster/members at " + api.base() + ": unexpected answer: " + e);
    }
  }
}
