package io.meshwork.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What {@code meshctl leave} and {@code meshctl down} share: a member, and the management API. */
abstract class MemberChangeCommand implements Callable<Integer> {
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

  abstract MemberChange.Operation operation();

  @Override
  public Integer call() throws Exception {
    return CommandRunner.run(
        spec,
        () -> MemberChange.run(spec, management.api(credentials.authorization()), node, operation()));
  }
}
