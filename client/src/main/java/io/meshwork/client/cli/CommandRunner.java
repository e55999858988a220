package io.meshwork.client.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** Runs a command's body and turns a {@link MeshctlException} into its line on stderr and code. */
final class CommandRunner {
  /** A command's work; returns its exit code. */
  interface Body {
    int run() throws Exception;
  }

  private CommandRunner() {}

  static int run(CommandSpec spec, Body body) throws Exception {
    try {
      return body.run();
    } catch (MeshctlException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("meshctl: " + e.getMessage());
      err.flush();
      return e.exitCode();
    }
  }
}
