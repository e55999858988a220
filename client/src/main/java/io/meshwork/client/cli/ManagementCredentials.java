package io.meshwork.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine.Option;

/**
 * The basic credentials of a node's mutating management routes ({@code leave}, {@code down}):
 * {@code --management-user} (or MESHCTL_MANAGEMENT_USER) and the password from
 * MESHCTL_MANAGEMENT_PASSWORD or {@code --management-password-file}, never from the command line.
 */
final class ManagementCredentials {
  @Option(
      names = "--management-user",
      paramLabel = "USER",
      defaultValue = "${env:MESHCTL_MANAGEMENT_USER:-}",
      description =
          "User of the management API's mutating routes (meshwork.management.user on the node);"
              + " default: the environment variable MESHCTL_MANAGEMENT_USER. The password comes"
              + " from MESHCTL_MANAGEMENT_PASSWORD or --management-password-file.")
  String user;

  @Option(
      names = "--management-password-file",
      paramLabel = "PATH",
      description = "A file holding the password (its first line) for --management-user.")
  Path passwordFile;

  /** {@code Basic ...} for the Authorization header, or null when no user is given. */
  String authorization() {
    if (user == null || user.isBlank()) {
      return null;
    }
    String password;
    if (passwordFile != null) {
      try {
        String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        password = (newline < 0 ? text : text.substring(0, newline)).strip();
      } catch (IOException e) {
        throw new MeshctlException(
            ExitCodes.INVALID_ARGUMENTS,
            "--management-password-file " + passwordFile + ": cannot read it (" + e.getMessage() + ")");
      }
    } else {
      password = System.getenv("MESHCTL_MANAGEMENT_PASSWORD");
      if (password == null) {
        throw new MeshctlException(
            ExitCodes.INVALID_ARGUMENTS,
            "--management-user "
                + user
                + " needs a password: set MESHCTL_MANAGEMENT_PASSWORD or give"
                + " --management-password-file");
      }
    }
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user.strip() + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
