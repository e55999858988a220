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

  @Option(
      names = "--management-https",
      description =
          "Talk HTTPS to the management API (a node with meshwork.management.https.key-store). The"
              + " certificate is checked against Java's trust store; for your own CA, add"
              + " -Djavax.net.ssl.trustStore=... to MESHCTL_JAVA_OPTS.")
  boolean https;

  ManagementApi api() {
    return new ManagementApi(management, https, null);
  }

  /** The API with {@code authorization} sent with its mutating requests. */
  ManagementApi api(String authorization) {
    return new ManagementApi(management, https, authorization);
  }
}
