package io.meshwork.client.cli;

import picocli.CommandLine.Command;

/** {@code meshctl leave NODE}. */
@Command(
    name = "leave",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Asks NODE to leave the cluster gracefully (it hands over its work, then stops): DELETE"
          + " /cluster/members/{address} on the management API.",
      "The management API's mutating routes answer 405 unless the node runs with"
          + " meshwork.management.allow-mutations = on; then they need its credentials"
          + " (--management-user, MESHCTL_MANAGEMENT_PASSWORD), over HTTPS or from its own machine."
    })
final class LeaveCommand extends MemberChangeCommand {
  @Override
  MemberChange.Operation operation() {
    return MemberChange.Operation.LEAVE;
  }
}
