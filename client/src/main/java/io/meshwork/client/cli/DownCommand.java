package io.meshwork.client.cli;

import picocli.CommandLine.Command;

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
final class DownCommand extends MemberChangeCommand {
  @Override
  MemberChange.Operation operation() {
    return MemberChange.Operation.DOWN;
  }
}
