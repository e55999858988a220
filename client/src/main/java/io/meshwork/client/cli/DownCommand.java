package io.meshwork.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshctl down NODE}. */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Marks NODE as down, removing it from the cluster without its cooperation: for a node that"
          + " crashed or is cut off. PUT /cluster/members/{address} with operation=Down.",
      "The management API's mutating routes answer 405 unless the node runs with"
          + " meshwork.management.allow-mutations = on; then they need its credentials"
          + " (--management-user, MESHCTL_MANAGEMENT_PASSWORD), over HTTPS or from its own machine."
    })
final class DownCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "NODE",
      description =
          "The member: its address (pekko://meshwork@HOST:PORT, as meshctl members shows it) or"
              + " HOST:PORT of its cluster port.")
  private String node;

  @Mixin private ManagementOption management;

  @Mixin private ManagementCredentials credentials;

  @Mixin private ExitCodeHelp exitCodeHelp;

  @Override
  public Integer call() throws Exception {
    return CommandRunner.run(
        spec, () -> MemberChange.run(
                spec,
                management.api(credentials.authorization()),
                node,
                MemberChange.Operation.DOWN));
  }
}
