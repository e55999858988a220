package io.meshwork.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl auth}: makes the secrets a node's config refers to by hash only (client tokens
 * for meshwork.auth, the management password), so that no token is ever stored in a config.
 */
@Command(
    name = "auth",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Makes client tokens (meshwork.auth.clients.NAME.token-sha256) and hashes secrets"
          + " (also meshwork.management.password-sha256)."
    },
    subcommands = {AuthCommand.NewToken.class, AuthCommand.HashToken.class})
final class AuthCommand {
  @Mixin private ExitCodeHelp exitCodeHelp;

  static String sha256Hex(byte[] secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** {@code meshctl auth new-token}. */
  @Command(
      name = "new-token",
      mixinStandardHelpOptions = true,
      versionProvider = MeshctlVersion.class,
      description = {
        "Prints a new random token (32 bytes from SecureRandom, base64url) and its SHA-256: give"
            + " the token to the client (MESHCTL_TOKEN, or the authorization header) and put the"
            + " hash in the node's config."
      })
  static final class NewToken implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Mixin private ExitCodeHelp exitCodeHelp;

    @Override
    public Integer call() {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      PrintWriter out = spec.commandLine().getOut();
      out.println("token:        " + token);
      out.println("token-sha256: " + sha256Hex(token.getBytes(StandardCharsets.UTF_8)));
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** {@code meshctl auth hash-token}. */
  @Command(
      name = "hash-token",
      mixinStandardHelpOptions = true,
      versionProvider = MeshctlVersion.class,
      description = {
        "Reads a token (or a password) from stdin and prints its SHA-256 as 64 hex digits; one"
            + " trailing newline is ignored. The same as: printf %s \"$TOKEN\" | sha256sum"
      })
  static final class HashToken implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Mixin private ExitCodeHelp exitCodeHelp;

    private final InputStream in;

    HashToken() {
      this(System.in);
    }

    HashToken(InputStream in) {
      this.in = in;
    }

    @Override
    public Integer call() throws Exception {
      return CommandRunner.run(spec, this::run);
    }

    private int run() throws IOException {
      byte[] bytes = in.readAllBytes();
      int length = bytes.length;
      if (length > 0 && bytes[length - 1] == '\n') {
        length--;
        if (length > 0 && bytes[length - 1] == '\r') {
          length--;
        }
      }
      if (length == 0) {
        throw new MeshctlException(
            ExitCodes.INVALID_ARGUMENTS, "no token on stdin (e.g. printf %s \"$TOKEN\" | meshctl auth hash-token)");
      }
      byte[] token = java.util.Arrays.copyOf(bytes, length);
      PrintWriter out = spec.commandLine().getOut();
      out.println(sha256Hex(token));
      out.flush();
      return ExitCodes.OK;
    }
  }
}
