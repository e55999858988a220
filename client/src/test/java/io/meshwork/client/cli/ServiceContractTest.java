package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.StringValue;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvPutRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceContractTest {
  /** greeter.proto: {@code message Greeting { google.protobuf.StringValue name = 1; }}. */
  private static final FileDescriptorProto GREETER =
      FileDescriptorProto.newBuilder()
          .setName("greeter.proto")
          .setPackage("example")
          .setSyntax("proto3")
          .addDependency("google/protobuf/wrappers.proto")
          .addMessageType(
              DescriptorProto.newBuilder()
                  .setName("Greeting")
                  .addField(
                      FieldDescriptorProto.newBuilder()
                          .setName("name")
                          .setNumber(1)
                          .setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
                          .setTypeName(".google.protobuf.StringValue")))
          .build();

  private static final FileDescriptorProto WRAPPERS =
      StringValue.getDescriptor().getFile().toProto();

  @Test
  void filesAreBuiltWithTheirImportsWhateverTheirOrder() {
    for (List<FileDescriptorProto> order :
        List.of(List.of(WRAPPERS, GREETER), List.of(GREETER, WRAPPERS))) {
      List<FileDescriptor> files =
          ServiceContract.buildFiles(FileDescriptorSet.newBuilder().addAllFile(order).build());

      assertThat(files)
          .extracting(FileDescriptor::getName)
          .containsExactlyInAnyOrder("greeter.proto", "google/protobuf/wrappers.proto");
      FileDescriptor greeter =
          files.stream().filter(f -> f.getName().equals("greeter.proto")).findFirst().orElseThrow();
      assertThat(
              greeter
                  .findMessageTypeByName("Greeting")
                  .findFieldByName("name")
                  .getMessageType()
                  .getFullName())
          .isEqualTo("google.protobuf.StringValue");
    }
  }

  @Test
  void aMissingImportIsNamed() {
    FileDescriptorSet set = FileDescriptorSet.newBuilder().addFile(GREETER).build();

    assertThatThrownBy(() -> ServiceContract.buildFiles(set))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "greeter.proto imports google/protobuf/wrappers.proto, which the fileDescriptorSet does"
                + " not contain");
  }

  @Test
  void aJsonRequestIsEncodedIntoTheRequestTypeWithBytesAsBase64() {
    JsonMethod put = kv().jsonMethod("put");

    ByteString payload = put.encode("{\"key\":\"greeting\",\"value\":\"aGVsbG8=\"}");

    assertThat(payload)
        .isEqualTo(
            KvPutRequest.newBuilder()
                .setKey("greeting")
                .setValue(ByteString.copyFromUtf8("hello"))
                .build()
                .toByteString());
  }

  @Test
  void aReplyIsPrintedWithProtoFieldNamesAndEveryField() throws Exception {
    JsonMethod get = kv().jsonMethod("get");

    assertThat(get.print(KvGetReply.getDefaultInstance().toByteString()))
        .isEqualTo("{\n  \"found\": false,\n  \"value\": \"\"\n}\n");
    assertThat(
            get.print(
                KvGetReply.newBuilder()
                    .setFound(true)
                    .setValue(ByteString.copyFromUtf8("hello"))
                    .build()
                    .toByteString()))
        .isEqualTo("{\n  \"found\": true,\n  \"value\": \"aGVsbG8=\"\n}\n");
  }

  @Test
  void anUnknownFieldIsAnInvalidArgumentNamingTheFieldAndTheType() {
    JsonMethod put = kv().jsonMethod("put");

    assertThatThrownBy(() -> put.encode("{\"key\":\"k\",\"vlaue\":\"aGk=\"}"))
        .isInstanceOfSatisfying(MeshctlException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageStartingWith("--json does not fit meshwork.services.v1.KvPutRequest (kv put): ")
        .hasMessageContaining("vlaue");
  }

  @Test
  void malformedJsonIsAnInvalidArgumentOnOneLine() {
    JsonMethod put = kv().jsonMethod("put");

    assertThatThrownBy(() -> put.encode("{\"key\": \"k\",\n \"value\": "))
        .isInstanceOfSatisfying(MeshctlException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageStartingWith("--json does not fit meshwork.services.v1.KvPutRequest")
        .hasMessageEndingWith(": End of input at line 2 column 11 path $.value")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aValueOfTheWrongKindIsNamedAsJsonFormatNamesIt() {
    JsonMethod put = kv().jsonMethod("put");

    assertThatThrownBy(() -> put.encode("{\"key\":\"k\",\"consistency\":\"SOME\"}"))
        .hasMessage(
            "--json does not fit meshwork.services.v1.KvPutRequest (kv put): Invalid enum value:"
                + " \"SOME\" for enum type: meshwork.services.v1.Consistency");
  }

  @Test
  void anUnknownMethodIsABadRequestListingTheMethods() {
    assertThatThrownBy(() -> kv().jsonMethod("gett"))
        .isInstanceOfSatisfying(MeshctlException.class, e -> assertThat(e.exitCode()).isEqualTo(11))
        .hasMessage("kv has no method \"gett\" (methods: get, put, watch)");
  }

  @Test
  void noMethodMeansTheOnlyOneAndIsAnErrorWhenThereAreSeveral() {
    ServiceContract info =
        contract(
            "info",
            "{\"name\":\"get\",\"kind\":\"unary\",\"requestType\":\"meshwork.services.v1.KvGetRequest\","
                + "\"replyType\":\"meshwork.services.v1.KvGetReply\"}",
            false);
    assertThat(info.jsonMethod("").method().name()).isEqualTo("get");

    assertThatThrownBy(() -> kv().jsonMethod(""))
        .hasMessage("kv needs a METHOD (methods: get, put, watch)");
  }

  @Test
  void aStreamingMethodSaysSo() {
    assertThat(kv().jsonMethod("watch").streaming()).isTrue();
    assertThat(kv().jsonMethod("get").streaming()).isFalse();
  }

  @Test
  void aRawServiceHasNoTypesForJson() {
    ServiceContract echo = contract("echo", "", true);

    assertThatThrownBy(() -> echo.jsonMethod("anything"))
        .isInstanceOfSatisfying(MeshctlException.class, e -> assertThat(e.exitCode()).isEqualTo(11))
        .hasMessageContaining("echo takes any method with raw bytes")
        .hasMessageContaining("--text or --file");
  }

  /** A kv-like contract as GET /services/kv gives it, with a made-up streaming method. */
  private static ServiceContract kv() {
    return contract(
        "kv",
        method("get", "unary", "KvGetRequest", "KvGetReply")
            + ","
            + method("put", "unary", "KvPutRequest", "KvPutReply")
            + ","
            + method("watch", "stream", "KvGetRequest", "KvGetReply"),
        false);
  }

  private static String method(String name, String kind, String request, String reply) {
    return String.format(
        "{\"name\":\"%s\",\"kind\":\"%s\",\"requestType\":\"meshwork.services.v1.%s\","
            + "\"replyType\":\"meshwork.services.v1.%s\"}",
        name, kind, request, reply);
  }

  private static ServiceContract contract(String service, String methods, boolean anyMethod) {
    String json =
        "{\"methods\":["
            + methods
            + "],\"anyMethod\":"
            + anyMethod
            + ",\"fileDescriptorSet\":\""
            + Base64.getEncoder().encodeToString(kvFiles().toByteArray())
            + "\"}";
    try {
      return ServiceContract.fromJson(service, ManagementApi.parseStruct(json));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** kv.proto and its imports, imports first, as the node publishes them. */
  private static FileDescriptorSet kvFiles() {
    Set<FileDescriptor> ordered = new LinkedHashSet<>();
    addWithImports(KvPutRequest.getDescriptor().getFile(), ordered);
    List<FileDescriptorProto> protos = new ArrayList<>();
    ordered.forEach(f -> protos.add(f.toProto()));
    return FileDescriptorSet.newBuilder().addAllFile(protos).build();
  }

  private static void addWithImports(FileDescriptor file, Set<FileDescriptor> into) {
    file.getDependencies().forEach(d -> addWithImports(d, into));
    into.add(file);
  }
}
