package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Option;

/**
 * The request payload of {@code call} and {@code bench}, from one of three exclusive options; empty
 * when none is given.
 */
final class PayloadSource {
  @Option(names = "--text", paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
  private String text;

  @Option(
      names = "--file",
      paramLabel = "PATH",
      converter = PayloadFileConverter.class,
      description = "Read the payload from a file; - reads stdin.")
  private ByteString file;

  @Option(
      names = "--json",
      paramLabel = "JSON",
      description =
          "The payload as JSON for the method's request type, e.g. '{\"key\":\"k\"}'; the"
              + " reply is printed as JSON. Needs the management API (--management).")
  private String json;

  /** A request ready to send: where to, its payload, and its JSON types if any. */
  record Payload(String service, String method, ByteString bytes, JsonMethod jsonMethod) {}

  /** The payload for {@code method} of {@code service}; null {@code source} means empty. */
  static Payload resolve(
      PayloadSource source, String service, String method, ManagementOption management) {
    if (source == null) {
      return new Payload(service, method, ByteString.EMPTY, null);
    }
    if (source.json != null) {
      JsonMethod jsonMethod = ServiceContract.fetch(management.api(), service).jsonMethod(method);
      return new Payload(
          service, jsonMethod.method().name(), jsonMethod.encode(source.json), jsonMethod);
    }
    ByteString bytes = source.text != null ? ByteString.copyFromUtf8(source.text) : source.file;
    return new Payload(service, method, bytes, null);
  }
}
