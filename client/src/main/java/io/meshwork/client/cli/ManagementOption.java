package io.meshwork.client.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.Option;

/** {@code --management HOST:PORT}, shared by every command that asks the management API. */
final class ManagementOption {
  @Option(
      names = "--management",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:MESHCTL_MANAGEMENT:-127.0.0.1:8558}",
      converter = NodeAddressConverter.class,
      description =
          "A node's management HTTP API (default: ${DEFAULT-VALUE}, or the environment variable"
              + " MESHCTL_MANAGEMENT).")
  InetSocketAddress management;

  ManagementApi api() {
    return new ManagementApi(management);
  }
}
