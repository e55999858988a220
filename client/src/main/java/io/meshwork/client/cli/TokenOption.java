package io.meshwork.client.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --token}, shared by the commands that call services: sets the {@code authorization}
 * header to {@code Bearer <token>} for a node with client authentication on (meshwork.auth).
 */
final class TokenOption {
  /** The header a node reads the token from by default ({@code meshwork.auth.header}). */
  static final String HEADER = "authorization";

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      defaultValue = "${env:MESHCTL_TOKEN:-}",
      description =
          "A client token for a node with authentication on: sent as the header"
              + " authorization: Bearer TOKEN. Default: the environment variable MESHCTL_TOKEN"
              + " (preferred: a command line is visible to other users of the machine). A --header"
              + " authorization=... wins.")
  String token;

  /** {@code headers}, with the token's header added unless it is there already. */
  Map<String, String> apply(Map<String, String> headers) {
    if (token == null || token.isBlank() || headers.containsKey(HEADER)) {
      return headers;
    }
    Map<String, String> withToken = new LinkedHashMap<>(headers);
    withToken.put(HEADER, "Bearer " + token.strip());
    return withToken;
  }
}
