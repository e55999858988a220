package io.meshwork.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: meshctl's version (filtered in by Maven), the protocol and the JVM. */
final class MeshctlVersion implements IVersionProvider {
  private static final String RESOURCE = "meshctl-version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {
      "meshctl " + version(),
      "protocol meshwork.v1",
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
    };
  }

  private static String version() {
    try (InputStream in = MeshctlVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "(unknown: " + RESOURCE + " is missing)";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "(unknown)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
