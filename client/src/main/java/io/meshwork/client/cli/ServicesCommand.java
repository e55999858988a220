package io.meshwork.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshctl services}: every service and its instances, from {@code GET /services}. */
@Command(
    name = "services",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Lists every service in the cluster with its instances as the node at --management routes"
          + " to them: the node each runs on, whether it is that node (local), whether it is"
          + " reachable, and whether the node's listings have settled.",
      "--json prints the management API's own JSON (GET /services) unchanged."
    })
final class ServicesCommand implements Callable<Integer> {
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
    String body = api.getText("/services");
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(body.strip());
    } else {
      ServiceListing listing;
      try {
        listing = ServiceListing.fromJson(api.parse(body, "GET /services"));
      } catch (MeshctlException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new MeshctlException(
            ExitCodes.MANAGEMENT_ERROR,
            "GET /services at " + api.base() + ": unexpected answer: " + e);
      }
      out.print(listing.render());
    }
    out.flush();
    return ExitCodes.OK;
  }
}
