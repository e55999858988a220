package io.meshwork.client.cli;

import static java.util.Objects.requireNonNull;

import java.io.OutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code meshctl}: talks to Meshwork nodes from the command line. Each operation is a subcommand;
 * running it without one is a usage error.
 */
@Command(
    name = "meshctl",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Talks to Meshwork nodes: calls services through a node's client port (call, bench) and"
          + " watches and steers the cluster through a node's management API (members,"
          + " services, leave, down); makes client tokens (auth).",
      "Every command has --help."
    },
    subcommands = {
      CallCommand.class,
      BenchCommand.class,
      MembersCommand.class,
      ServicesCommand.class,
      LeaveCommand.class,
      DownCommand.class,
      AuthCommand.class
    })
public final class Meshctl {
  @Mixin private ExitCodeHelp exitCodeHelp;

  private final OutputStream rawOut;

  /** A {@code meshctl} whose {@code --raw} output goes to {@link System#out}. */
  public Meshctl() {
    this(System.out);
  }

  /** For tests: {@code --raw} payload bytes go to {@code rawOut}, text goes to picocli's out. */
  Meshctl(OutputStream rawOut) {
    this.rawOut = requireNonNull(rawOut, "rawOut");
  }

  /** Runs meshctl and exits with its exit code (see {@code meshctl --help}). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new Meshctl()).execute(args));
  }

  OutputStream rawOut() {
    return rawOut;
  }
}
