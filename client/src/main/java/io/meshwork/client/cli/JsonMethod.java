package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;

/**
 * One method of a service's contract with its message types, for {@code --json}: encodes a JSON
 * request and prints a reply (or, for a streaming method, each item) as JSON, in protobuf's JSON
 * mapping.
 *
 * <p>Requests accept field names as in the .proto file ({@code hosted_services}) or in lowerCamel
 * ({@code hostedServices}); an unknown field is an error. Replies are printed with the .proto field
 * names and with every field, defaults included ({@code "found": false}), so that a script sees the
 * same keys whatever the values. {@code bytes} fields are base64 both ways, 64-bit integers are
 * JSON strings, enums are their names.
 */
record JsonMethod(
    String service,
    ServiceContract.Method method,
    Descriptor requestType,
    Descriptor replyType,
    TypeRegistry registry) {

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();

  /** True for a method whose reply is a stream of items ({@code kind: stream}). */
  boolean streaming() {
    return method.streaming();
  }

  /**
   * The request payload for {@code json}.
   *
   * @throws MeshctlException with {@link ExitCodes#INVALID_ARGUMENTS} when the JSON does not parse
   *     or does not fit the request type, naming the type and the reason
   */
  ByteString encode(String json) {
    DynamicMessage.Builder request = DynamicMessage.newBuilder(requestType);
    try {
      JsonFormat.parser().usingTypeRegistry(registry).merge(json, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MeshctlException(
          ExitCodes.INVALID_ARGUMENTS,
          "--json does not fit "
              + requestType.getFullName()
              + " ("
              + service
              + " "
              + method.name()
              + "): "
              + reason(e));
    }
    return request.build().toByteString();
  }

  /**
   * A reply payload (or one stream item) as JSON, ending with a line break; null when the method
   * publishes no reply type.
   *
   * @throws InvalidProtocolBufferException when the payload is not a valid reply message
   */
  String print(ByteString payload) throws InvalidProtocolBufferException {
    if (replyType == null) {
      return null;
    }
    DynamicMessage reply = DynamicMessage.parseFrom(replyType, payload);
    return PRINTER.usingTypeRegistry(registry).print(reply) + "\n";
  }

  private static String reason(Exception e) {
    // Gson's syntax errors arrive wrapped, each wrapper repeating its cause's text with a class
    // name in front: skip the wrappers. JsonFormat's own messages ("Not an uint32 value: "x"")
    // are better than their causes', so stop there.
    Throwable t = e;
    while (t.getCause() != null
        && (t.getMessage() == null
            || t.getMessage().equals(t.getCause().getMessage())
            || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
