package io.meshwork.client.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --node HOST:PORT} ({@code [v6-address]:PORT} for IPv6) into an unresolved address;
 * resolving is part of connecting, so an unknown host means "cannot reach the node", not a usage
 * error.
 */
final class NodeAddressConverter implements ITypeConverter<InetSocketAddress> {
  @Override
  public InetSocketAddress convert(String value) {
    int colon = value.lastIndexOf(':');
    String host = colon > 0 ? value.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = colon > 0 ? port(value.substring(colon + 1)) : -1;
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new TypeConversionException(
          "'" + value + "' (expected: HOST:PORT with a port in 1-65535, e.g. 127.0.0.1:7700)");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static int port(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
